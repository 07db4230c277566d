// The waitlist form on another site: a page served from another loopback origin frames
// /waitlists/{list}/embed; a person joins through the frame and gets the mail. A page on
// an origin not in allowed_origins gets no form: the browser refuses to frame it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, root, artifacts } from '../lib/harness.mjs';

let server;
let browser;
let site;
const hosts = [];

/** Another site on loopback: one page that frames quietlist's embedded form. */
async function hostPage(embedUrl) {
  const http = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><title>Another site</title><h1>Our course</h1>
<iframe id="waitlist" src="${embedUrl}" title="Join the waitlist" width="100%" height="720" style="border:0"></iframe>`);
  });
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  hosts.push(http);
  return `http://127.0.0.1:${http.address().port}`;
}

before(async () => {
  // Ports are known only once the servers listen: reserve the listed origin first.
  const listed = createServer();
  await new Promise((r) => listed.listen(0, '127.0.0.1', r));
  const listedPort = listed.address().port;
  await new Promise((r) => listed.close(r));

  site = mkdtempSync(join(tmpdir(), 'quietlist-embed-site-'));
  cpSync(join(root, 'site'), site, { recursive: true });
  const toml = join(site, 'site.toml');
  writeFileSync(toml, `allowed_origins = ["http://127.0.0.1:${listedPort}"]\n` + readFileSync(toml, 'utf8'));
  server = await startServer({ env: { QUIETLIST_SITE_DIR: site } });
  browser = await launchBrowser();

  const embed = `${server.baseUrl}/waitlists/pilot-course/embed`;
  const http = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><title>Another site</title><h1>Our course</h1>
<iframe id="waitlist" src="${embed}" title="Join the waitlist" width="100%" height="720" style="border:0"></iframe>`);
  });
  await new Promise((r) => http.listen(listedPort, '127.0.0.1', r));
  hosts.push(http);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  for (const h of hosts) h.close();
  if (site) rmSync(site, { recursive: true, force: true });
});

test('a person joins through the form framed on a listed site, without JavaScript', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 900, height: 1000 } });
  const page = await context.newPage();
  const origin = `http://127.0.0.1:${hosts[0].address().port}`;
  await page.goto(origin + '/');
  const frame = page.frameLocator('#waitlist');
  await frame.getByLabel('Email address').fill('framed@example.com');
  await page.screenshot({ path: join(artifacts, 'embed-1-framed-form.png') });
  await frame.getByRole('button', { name: 'Join the waitlist' }).click();
  // The answer opens in the whole window, on quietlist.
  await page.waitForURL(/\/waitlists\/pilot-course\/check-your-inbox$/);
  assert.ok(page.url().startsWith(server.baseUrl), page.url());
  const mail = await server.mailTo('framed@example.com');
  assert.match(mail, /confirm/i);
  await context.close();
});

test('a site not in allowed_origins cannot frame the form', async () => {
  const other = await hostPage(`${server.baseUrl}/waitlists/pilot-course/embed`);
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(other + '/');
  await page.waitForTimeout(1000);
  const frame = page.frames().find((f) => f !== page.mainFrame());
  const fields = frame ? await frame.locator('input[name="email"]').count() : 0;
  assert.equal(fields, 0, 'the framed form was refused by the browser');
  await context.close();
});
