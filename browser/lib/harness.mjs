// Starts the real quietlist binary and a real SMTP server on loopback, and launches
// Debian's Chromium through playwright-core. Nothing here mocks quietlist.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '..', '..');
export const artifacts = resolve(here, '..', 'artifacts');
mkdirSync(artifacts, { recursive: true });

const bin = process.env.QUIETLIST_BIN ?? join(root, 'target', 'debug', 'quietlist');
const sinkBin = process.env.QUIETLIST_SMTP_SINK_BIN ?? join(root, 'target', 'debug', 'examples', 'smtp_sink');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

function firstLine(child, pattern, what) {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start in 30 s`)), 30_000);
    const lines = createInterface({ input: child.stdout ?? child.stderr });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
    lines.on('line', (line) => {
      const match = pattern(line);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match);
      }
    });
  });
}

/** Starts an SMTP sink writing mails to a fresh folder, then quietlist using it.
 * `env` adds QUIETLIST_* settings (such as QUIETLIST_SEND_RATE) to the server and to `cli`. */
export async function startServer({ env: settings = {} } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'quietlist-browser-'));
  const mailDir = join(work, 'mail');
  const sink = spawn(sinkBin, ['127.0.0.1:0', '--dir', mailDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const smtpAddr = await firstLine(sink, (l) => l.match(/^listening (\S+)/)?.[1], 'the SMTP sink');

  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('QUIETLIST_'))),
    ...settings,
  };
  const server = spawn(bin, ['serve', '--listen', '127.0.0.1:0'], {
    env: {
      ...env,
      QUIETLIST_DATA_DIR: join(work, 'data'),
      QUIETLIST_SMTP_URL: `smtp://${smtpAddr}`,
      QUIETLIST_LOG_FORMAT: 'json',
      // A scripted browser submits faster than a person; the minimum time-to-submit is
      // tested in tests/api/abuse.rs.
      QUIETLIST_FORM_MIN_SECONDS: '0',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  server.stdout = server.stderr;
  const address = await firstLine(server, (line) => {
    try {
      const event = JSON.parse(line);
      return event.fields?.message === 'quietlist is serving' ? event.fields.address : null;
    } catch {
      return null;
    }
  }, 'quietlist');
  const baseUrl = `http://${address}`;

  return {
    baseUrl,
    dataDir: join(work, 'data'),
    /** Runs the real binary on this server's data: `quietlist ARGS`, with `input` on stdin. */
    async cli(args, input = '') {
      const child = spawn(bin, args, { env: { ...env, QUIETLIST_DATA_DIR: join(work, 'data') }, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { err += d; });
      child.stdin.end(input);
      const code = await new Promise((r) => child.on('exit', r));
      if (code !== 0) throw new Error(`quietlist ${args.join(' ')} failed: ${err}`);
      return out;
    },
    mailDir,
    /** Waits for the mail whose To is `email` and returns its raw text. */
    async mailTo(email, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        let names = [];
        try { names = readdirSync(mailDir).filter((n) => n.endsWith('.eml')).sort(); } catch {}
        for (const name of names.reverse()) {
          const raw = readFileSync(join(mailDir, name), 'utf8');
          if (new RegExp(`^To: .*${email.replace(/[.+]/g, '\\$&')}`, 'mi').test(raw)) return raw;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no mail to ${email} within ${timeoutMs} ms`);
    },
    async stop() {
      server.kill('SIGTERM');
      sink.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 100));
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** The first link in the text part of a raw mail whose path contains `path`. */
export function linkIn(raw, path) {
  // Undo quoted-printable soft line breaks and escapes, whichever encoding lettre chose.
  const text = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  const match = text.match(new RegExp(`https?://[^\\s"<>]*${path}[A-Za-z0-9_-]+`));
  if (!match) throw new Error(`no ${path} link in mail:\n${raw}`);
  return match[0];
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/** A context that records every request, so a test can prove nothing left our origin. */
export async function newVisitor(browser, baseUrl, { javaScriptEnabled }) {
  const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 1100, height: 900 } });
  const requests = [];
  const cspViolations = [];
  context.on('request', (r) => requests.push(r.url()));
  context.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });
  const foreign = () => requests.filter((u) => !u.startsWith(baseUrl) && !u.startsWith('data:'));
  return { context, requests, foreign, cspViolations };
}

export const axeSource = readFileSync(join(here, '..', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** Runs axe-core in the page (through the DevTools protocol, so our CSP stays on). */
export async function accessibilityViolations(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] });
    return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
  });
  return result;
}
