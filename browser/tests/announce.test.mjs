// The owner writes an announcement in /admin, previews it, sends a test to their own
// address, then sends it to the list, which gets it through the real SMTP server. With
// JavaScript off: the form needs none.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launchBrowser, newVisitor, linkIn, accessibilityViolations } from '../lib/harness.mjs';

const screenshots = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');
mkdirSync(screenshots, { recursive: true });

let server;
let browser;
const OWNER = 'owner@example.org';
const PASSWORD = 'a long owner passphrase';
const PEOPLE = ['ana@example.com', 'ben@example.com'];
const SUBJECT = 'The pilot cohort starts on 2 June';
const BODY = [
  'Hello {{ name }},',
  '',
  'The first cohort of the pilot course starts on **2 June**. You will get your invitation',
  'in the next weeks, in the order of the waitlist.',
  '',
  'Until then, read [the syllabus](https://example.org/syllabus).',
].join('\n');

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await server.cli(['admin', 'add', OWNER, '--password-stdin'], `${PASSWORD}\n`);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function joinAndConfirm(page, email) {
  await page.goto(server.baseUrl + '/reports/ketamine-rapid-antidepressant');
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Join the waitlist' }).click();
  await page.waitForURL(/check-your-inbox$/);
  await page.goto(linkIn(await server.mailTo(email), '/confirm/'));
  await press(page, 'Confirm my place');
}

/** The raw mails to `email` whose subject contains `subject`, once `count` are there. */
async function mailsAbout(email, subject, count = 1, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  const to = new RegExp(`^To: .*${email.replace(/[.+]/g, '\\$&')}`, 'mi');
  for (;;) {
    let names = [];
    try { names = readdirSync(server.mailDir).filter((n) => n.endsWith('.eml')); } catch {}
    const found = names
      .map((n) => readFileSync(join(server.mailDir, n), 'utf8'))
      .filter((raw) => to.test(raw) && raw.includes(subject));
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error(`${found.length} of ${count} mails about "${subject}" to ${email}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function signIn(page) {
  await page.goto(server.baseUrl + '/admin/login');
  await page.getByLabel('Email address').fill(OWNER);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin$/);
}

/** Presses a form's button and waits for the page it answers with. (Scrolled to first:
 * after a full-page screenshot, Chromium may drop a click on a button out of view.) */
async function press(page, name) {
  const button = page.getByRole('button', { name, exact: true });
  await button.scrollIntoViewIfNeeded();
  await Promise.all([page.waitForEvent('load'), button.click()]);
}

async function compose(page) {
  await page.getByLabel('Subject', { exact: true }).fill(SUBJECT);
  await page.getByLabel('Text', { exact: true }).fill(BODY);
}

test('the owner composes, previews, test-sends and sends an announcement without JavaScript', async () => {
  const people = await newVisitor(browser, server.baseUrl, { javaScriptEnabled: false });
  const visitor = await people.context.newPage();
  visitor.setDefaultTimeout(15000);
  for (const email of PEOPLE) await joinAndConfirm(visitor, email);

  const owner = await newVisitor(browser, server.baseUrl, { javaScriptEnabled: false });
  const page = await owner.context.newPage();
  page.setDefaultTimeout(15000);
  await signIn(page);
  await page.goto(server.baseUrl + '/admin/lists/pilot-course');
  await page.getByRole('link', { name: 'Write an announcement' }).click();
  await page.waitForURL(/announcements\/new$/);
  await compose(page);
  await page.screenshot({ path: join(screenshots, 'announce-1-compose.png'), fullPage: true });

  // Preview: the mail as the outbox renders it, and who would get it.
  await press(page, 'Preview');
  const text = await page.getByTestId('preview-text').innerText();
  assert.match(text, /^Hello there,/);
  assert.match(text, /starts on \*\*2 June\*\*/);
  const mail = page.frameLocator('iframe.mail-preview');
  assert.equal(await mail.locator('strong').first().innerText(), '2 June');
  assert.equal(await mail.getByRole('link', { name: 'the syllabus' }).getAttribute('href'), 'https://example.org/syllabus');
  assert.equal(await page.getByTestId('figure-queued').first().innerText(), '2');
  assert.equal(await page.getByLabel('Subject', { exact: true }).inputValue(), SUBJECT, 'the form comes back filled');
  // A frame out of view is painted once scrolled to.
  await page.locator('iframe.mail-preview').scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(screenshots, 'announce-2-preview.png'), fullPage: true });

  // A test copy, to the owner's own address only.
  await press(page, 'Send a test to me');
  assert.match(await page.getByTestId('test-sent').innerText(), new RegExp(OWNER.replace('.', '\\.')));
  const [copy] = await mailsAbout(OWNER, SUBJECT);
  assert.match(copy, /^Subject: \[test\] /m);

  // Send: first the number, then the real thing.
  await press(page, 'Send…');
  assert.equal(await page.getByTestId('confirm-count').innerText(), '2');
  await page.screenshot({ path: join(screenshots, 'announce-3-confirm.png') });
  await press(page, 'Queue it for 2 people');
  assert.match(await page.getByTestId('sent').innerText(), /queued for 2 people/);
  await page.screenshot({ path: join(screenshots, 'announce-4-sent.png'), fullPage: true });
  for (const email of PEOPLE) {
    const [sent] = await mailsAbout(email, SUBJECT);
    assert.match(sent, /^List-Unsubscribe: <http/m);
    assert.match(sent, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click/m);
    assert.doesNotMatch(sent, /^Subject: \[test\]/m);
  }
  assert.equal((await mailsAbout(OWNER, SUBJECT)).length, 1, 'the owner got the test copy only');

  assert.deepEqual(owner.cspViolations, [], 'the preview keeps to the page policy');
  assert.deepEqual(owner.foreign(), [], 'no request left our origin');
  assert.deepEqual(people.foreign(), [], 'no request left our origin');
  await owner.context.close();
  await people.context.close();
});

test('the form, its preview and its problems pass axe', async () => {
  // axe needs JavaScript: a context that has it, signed in as the owner.
  const checker = await newVisitor(browser, server.baseUrl, { javaScriptEnabled: true });
  const page = await checker.context.newPage();
  page.setDefaultTimeout(15000);
  await signIn(page);
  await page.goto(server.baseUrl + '/admin/lists/pilot-course/announcements/new');
  assert.deepEqual(await accessibilityViolations(page), [], 'the empty form');
  await page.getByLabel('Subject', { exact: true }).fill('');
  await page.getByLabel('Text', { exact: true }).fill('![pixel](https://tracker.example/p.gif)');
  await press(page, 'Preview');
  const subject = page.getByLabel('Subject', { exact: true });
  assert.equal(await subject.getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator(`#${await subject.getAttribute('aria-describedby')}`).innerText(), /subject/i);
  assert.match(await page.locator('#body-error').innerText(), /another origin/);
  assert.deepEqual(await accessibilityViolations(page), [], 'the form with its problems');
  await compose(page);
  await press(page, 'Preview');
  assert.deepEqual(await accessibilityViolations(page), [], 'the preview');
  assert.deepEqual(checker.cspViolations, []);
  await checker.context.close();
});
