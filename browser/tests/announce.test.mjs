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
// A second server that sends announcements slowly (one mail every 2 s), so that a run is
// still going while the owner looks at it, pauses it and cancels it.
let slow;
let browser;
const OWNER = 'owner@example.org';
const PASSWORD = 'a long owner passphrase';
const PEOPLE = ['ana@example.com', 'ben@example.com'];
const SUBJECT = 'The pilot cohort starts on 2 June';
const SLOW_RATE = '0.5';
const RUN_PEOPLE = ['ana', 'ben', 'cleo', 'dan', 'eve', 'femi'].map((n) => `${n}@example.net`);
const RUN_SUBJECT = 'Pilot course: where you are in line';
const LATER_SUBJECT = 'Pilot course: the reading list';
const CHECKED_SUBJECT = 'Pilot course: the first week';
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
  slow = await startServer({ env: { QUIETLIST_SEND_RATE: SLOW_RATE } });
  await slow.cli(['admin', 'add', OWNER, '--password-stdin'], `${PASSWORD}\n`);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await slow?.stop();
});

async function joinAndConfirm(page, email, on = server) {
  await page.goto(on.baseUrl + '/reports/ketamine-rapid-antidepressant');
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Join the waitlist' }).click();
  await page.waitForURL(/check-your-inbox$/);
  await page.goto(linkIn(await on.mailTo(email), '/confirm/'));
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

async function signIn(page, on = server) {
  await page.goto(on.baseUrl + '/admin/login');
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

async function compose(page, subject = SUBJECT) {
  await page.getByLabel('Subject', { exact: true }).fill(subject);
  await page.getByLabel('Text', { exact: true }).fill(BODY);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** How many mails with exactly this subject the SMTP sink has received (test copies,
 * "[test] ...", are not counted), and to how many different people. */
function sinkMails(on, subject) {
  let names = [];
  try { names = readdirSync(on.mailDir).filter((n) => n.endsWith('.eml')); } catch {}
  const header = new RegExp(`^Subject: ${subject.replace(/[.+?*()[\]]/g, '\\$&')}\r?$`, 'm');
  const mails = names.map((n) => readFileSync(join(on.mailDir, n), 'utf8')).filter((raw) => header.test(raw));
  const to = new Set(mails.map((raw) => raw.match(/^To: (.*?)\r?$/m)?.[1]));
  return { count: mails.length, people: to.size };
}

async function until(what, check, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The announcements page's row for `subject`, read as figures. */
async function runRow(page, subject) {
  const row = page.getByTestId('run').filter({ hasText: subject });
  const cell = (id) => row.getByTestId(id).innerText();
  return {
    row,
    state: await cell('run-state'),
    sent: Number(await cell('run-sent')),
    waiting: Number(await cell('run-waiting')),
    cancelled: await cell('run-cancelled'),
    // Steering the run (pause, resume, cancel); putting it on the site is another form.
    buttons: await row.locator('form[action$="/steer"]').getByRole('button').allInnerTexts(),
    siteButtons: await row.locator('form[action$="/publish"]').getByRole('button').allInnerTexts(),
  };
}

/** Reloads until no mail of the run is in flight (claimed by the worker, not yet
 * answered by SMTP): from then on a paused or cancelled run's mails can't go, and the
 * sink holds every mail it will get. Returns the sink's figures then. */
async function settled(page, subject, on) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    await page.reload();
    const figures = await page.getByTestId('run').filter({ hasText: subject }).getByTestId('run-figures').innerText();
    if (/\b0 in flight\b/.test(figures)) return sinkMails(on, subject);
    if (Date.now() > deadline) throw new Error(`still in flight: ${figures}`);
    await sleep(200);
  }
}

/** Presses Pause, Resume or Cancel in the row of `subject` and waits for the page after. */
async function steer(page, subject, action) {
  const button = page.getByTestId('run').filter({ hasText: subject })
    .getByRole('button', { name: new RegExp(`^${action}\\b`) });
  await button.scrollIntoViewIfNeeded();
  await Promise.all([page.waitForEvent('load'), button.click()]);
  await page.waitForURL(new RegExp(`/announcements\\?done=${action.toLowerCase()}$`));
}

/** Composes `subject` on the slow server, optionally for `sendAt`, and confirms it. */
async function composeAndConfirm(page, subject, sendAt = '') {
  await page.goto(slow.baseUrl + '/admin/lists/pilot-course/announcements/new');
  await compose(page, subject);
  if (sendAt) await page.getByLabel('Send at (UTC, optional)').fill(sendAt);
  await press(page, 'Send…');
  if (await page.getByTestId('confirm-count').count() === 0) {
    throw new Error(`no confirmation asked:\n${await page.locator('body').innerText()}`);
  }
  const count = await page.getByTestId('confirm-count').innerText();
  await press(page, `Queue it for ${count} ${count === '1' ? 'person' : 'people'}`);
  return Number(count);
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
  assert.match(await page.getByTestId('sent').innerText(), /going out to 2 people/);
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

test('the owner watches a slow announcement go out, pauses, resumes and cancels it without JavaScript', async () => {
  const people = await newVisitor(browser, slow.baseUrl, { javaScriptEnabled: false });
  const visitor = await people.context.newPage();
  visitor.setDefaultTimeout(15000);
  for (const email of RUN_PEOPLE) await joinAndConfirm(visitor, email, slow);

  const owner = await newVisitor(browser, slow.baseUrl, { javaScriptEnabled: false });
  const page = await owner.context.newPage();
  page.setDefaultTimeout(15000);
  await signIn(page, slow);
  assert.equal(await composeAndConfirm(page, RUN_SUBJECT), 6);
  assert.match(await page.getByTestId('sent').innerText(), /going out to 6 people/);
  await page.getByRole('link', { name: 'Follow its progress' }).click();
  await page.waitForURL(/\/announcements$/);

  // At 0.5 a second, six mails take 10 s or more: look once two have reached the sink.
  await until('two mails at the sink', () => sinkMails(slow, RUN_SUBJECT).count >= 2);
  await page.reload();
  let run = await runRow(page, RUN_SUBJECT);
  assert.equal(run.state, 'sending');
  assert.ok(run.sent >= 1, `some handed over (${run.sent})`);
  assert.ok(run.waiting >= 1, `some waiting (${run.waiting})`);
  assert.equal(run.sent + run.waiting, 6, 'every mail is handed over or waiting');
  assert.deepEqual(run.buttons.map((b) => b.split(/\s/)[0]), ['Pause', 'Cancel']);
  assert.deepEqual(run.siteButtons.map((b) => b.split(/\s/)[0]), ['Publish']);
  assert.match(await page.locator('body').innerText(), /Mails go out at 0\.5 a second at most/);
  await page.screenshot({ path: join(screenshots, 'announce-5-progress.png'), fullPage: true });

  // Pause. A mail the worker had already handed to SMTP may still land: wait till none
  // is in flight, then nothing for six seconds (three mails' worth at this rate).
  await steer(page, RUN_SUBJECT, 'Pause');
  assert.equal((await runRow(page, RUN_SUBJECT)).state, 'paused');
  assert.match(await page.getByTestId('run-notice').innerText(), /^Paused: its queued mails stay unsent until you resume it\./);
  const atPause = (await settled(page, RUN_SUBJECT, slow)).count;
  assert.ok(atPause < 6, `paused before the end (${atPause} of 6 sent)`);
  await sleep(6000);
  assert.equal(sinkMails(slow, RUN_SUBJECT).count, atPause, 'no mail went out while paused');
  await page.reload();
  run = await runRow(page, RUN_SUBJECT);
  assert.equal(run.state, 'paused');
  assert.equal(run.sent, atPause, 'the page counts what the sink received');
  assert.equal(run.waiting, 6 - atPause);
  assert.deepEqual(run.buttons.map((b) => b.split(/\s/)[0]), ['Resume', 'Cancel']);
  await page.screenshot({ path: join(screenshots, 'announce-6-paused.png'), fullPage: true });

  // Resume: mails go again (one more reaches the sink), then cancel the rest.
  await steer(page, RUN_SUBJECT, 'Resume');
  assert.equal((await runRow(page, RUN_SUBJECT)).state, 'sending');
  assert.match(await page.getByTestId('run-notice').innerText(), /^Resumed:/);
  await until('a mail after resuming', () => sinkMails(slow, RUN_SUBJECT).count > atPause, 10_000);
  await steer(page, RUN_SUBJECT, 'Cancel');
  assert.equal((await runRow(page, RUN_SUBJECT)).state, 'cancelled');
  assert.match(await page.getByTestId('run-notice').innerText(), /^Cancelled: its unsent mails will not go\./);
  const atCancel = await settled(page, RUN_SUBJECT, slow);
  assert.ok(atCancel.count < 6, `cancelled before the end (${atCancel.count} of 6 sent)`);
  await sleep(6000);
  assert.deepEqual(sinkMails(slow, RUN_SUBJECT), atCancel, 'the remaining people never get it');
  assert.equal(atCancel.people, atCancel.count, 'nobody got it twice');
  await page.reload();
  run = await runRow(page, RUN_SUBJECT);
  assert.equal(run.state, 'cancelled');
  assert.equal(run.sent, atCancel.count);
  assert.equal(run.waiting, 0);
  assert.equal(run.cancelled, `${6 - atCancel.count} / 0`);
  assert.deepEqual(run.buttons, [], 'a cancelled run has nothing left to steer');

  assert.deepEqual(owner.foreign(), [], 'no request left our origin');
  await owner.context.close();
  await people.context.close();
});

test('an announcement scheduled an hour ahead is listed as scheduled, with its time, and can be cancelled', async () => {
  const owner = await newVisitor(browser, slow.baseUrl, { javaScriptEnabled: false });
  const page = await owner.context.newPage();
  page.setDefaultTimeout(15000);
  await signIn(page, slow);
  // datetime-local's own format, in UTC: 2026-06-01T09:00.
  const at = new Date(Date.now() + 3600_000).toISOString().slice(0, 16);
  const count = await composeAndConfirm(page, LATER_SUBJECT, at);
  assert.ok(count >= 1);
  const sent = await page.getByTestId('sent').innerText();
  assert.match(sent, /^Scheduled/);
  assert.ok(sent.includes(`is scheduled for ${at}:00Z (UTC)`), sent);

  await page.goto(slow.baseUrl + '/admin/lists/pilot-course/announcements');
  const run = await runRow(page, LATER_SUBJECT);
  assert.equal(run.state, 'scheduled');
  assert.equal(await run.row.getByTestId('run-scheduled-for').innerText(), `${at}:00Z`);
  assert.equal(run.sent, 0);
  assert.deepEqual(run.buttons.map((b) => b.split(/\s/)[0]), ['Pause', 'Cancel']);
  await steer(page, LATER_SUBJECT, 'Cancel');
  const cancelled = await runRow(page, LATER_SUBJECT);
  assert.equal(cancelled.state, 'cancelled');
  // A scheduled run has queued nobody yet: there is no mail to cancel, and none goes.
  assert.equal(cancelled.cancelled, '0 / 0');
  assert.equal(cancelled.waiting, 0);
  assert.equal(await cancelled.row.getByTestId('run-scheduled-for').count(), 0, 'no time once cancelled');
  assert.equal(sinkMails(slow, LATER_SUBJECT).count, 0);
  await owner.context.close();
});

test('the announcements page passes axe, with runs to steer and after each action', async () => {
  const checker = await newVisitor(browser, slow.baseUrl, { javaScriptEnabled: true });
  const page = await checker.context.newPage();
  page.setDefaultTimeout(15000);
  await signIn(page, slow);
  const at = new Date(Date.now() + 7200_000).toISOString().slice(0, 16);
  await composeAndConfirm(page, CHECKED_SUBJECT, at);
  await page.goto(slow.baseUrl + '/admin/lists/pilot-course/announcements');
  assert.equal((await runRow(page, CHECKED_SUBJECT)).state, 'scheduled');
  assert.deepEqual(await accessibilityViolations(page), [], 'with a run to pause or cancel');
  await steer(page, CHECKED_SUBJECT, 'Pause');
  assert.deepEqual(await accessibilityViolations(page), [], 'paused, with its notice');
  await steer(page, CHECKED_SUBJECT, 'Cancel');
  assert.equal((await runRow(page, CHECKED_SUBJECT)).state, 'cancelled');
  assert.deepEqual(await accessibilityViolations(page), [], 'cancelled');
  assert.deepEqual(checker.cspViolations, []);
  await checker.context.close();
});
