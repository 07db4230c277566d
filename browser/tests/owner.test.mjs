// The owner signs in, looks at the dashboard, invites the next person in line, and that
// person accepts from the link in their mail. With JavaScript off: nothing needs it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, newVisitor, linkIn, artifacts, accessibilityViolations } from '../lib/harness.mjs';

let server;
let browser;
const OWNER = 'owner@example.org';
const PASSWORD = 'a long owner passphrase';

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await server.cli(['admin', 'add', OWNER, '--password-stdin'], `${PASSWORD}\n`);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function joinAndConfirm(page, email, role) {
  await page.goto(server.baseUrl + '/reports/ketamine-rapid-antidepressant');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Which describes you best?').selectOption(role);
  await page.getByRole('button', { name: 'Join the waitlist' }).click();
  await page.waitForURL(/check-your-inbox$/);
  await page.goto(linkIn(await server.mailTo(email), '/confirm/'));
  await page.getByRole('button', { name: 'Confirm my place' }).click();
  await page.waitForLoadState();
}

test('the owner signs in, sees the dashboard, invites the next in line, who accepts from the mail', async () => {
  const people = await newVisitor(browser, server.baseUrl, { javaScriptEnabled: false });
  const visitor = await people.context.newPage();
  visitor.setDefaultTimeout(15000);
  const emails = ['ana@example.com', 'ben@example.com', 'cleo@example.com'];
  const roles = ['therapist', 'clinic-owner', 'trainee'];
  for (const [i, email] of emails.entries()) { await joinAndConfirm(visitor, email, roles[i]); console.log('joined', email); }
  await visitor.goto(server.baseUrl + '/reports/ketamine-rapid-antidepressant');
  await visitor.getByLabel('Email address').fill('dee@example.com');
  await visitor.getByRole('button', { name: 'Join the waitlist' }).click();

  const owner = await newVisitor(browser, server.baseUrl, { javaScriptEnabled: false });
  const page = await owner.context.newPage();
  page.setDefaultTimeout(15000);
  await page.goto(server.baseUrl + '/admin');
  await page.waitForURL(/\/admin\/login$/);
  await page.screenshot({ path: join(artifacts, 'owner-1-login.png') });
  await page.getByLabel('Email address').fill(OWNER);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin$/);
  assert.equal(await page.getByTestId('count-confirmed').innerText(), '3');
  assert.equal(await page.getByTestId('count-pending').innerText(), '1');
  assert.equal(await page.locator('svg.chart').count(), 1);
  // axe needs JavaScript: check the same signed-in page in a context that has it.
  const checker = await browser.newContext({ storageState: await owner.context.storageState() });
  const checked = await checker.newPage();
  await checked.goto(server.baseUrl + '/admin');
  assert.deepEqual(await accessibilityViolations(checked), [], 'the dashboard has accessibility violations');
  await checker.close();
  await page.screenshot({ path: join(artifacts, 'owner-2-dashboard.png'), fullPage: true });
  const cookies = await owner.context.cookies();
  assert.equal(cookies.length, 1);
  assert.ok(cookies[0].httpOnly && cookies[0].sameSite === 'Strict', JSON.stringify(cookies[0]));

  await page.goto(server.baseUrl + '/admin/lists/pilot-course');
  await page.getByLabel('How many').fill('1');
  await page.getByRole('button', { name: 'Send invitations' }).click();
  await page.waitForURL(/notice=invited-1/);
  await page.screenshot({ path: join(artifacts, 'owner-3-list.png'), fullPage: true });

  const invitation = await server.mailTo(emails[0]).then(async function waitForInvite() {
    for (let i = 0; i < 200; i += 1) {
      const mail = await server.mailTo(emails[0]);
      if (mail.includes('seat is open')) return mail;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('no invitation mail');
  });
  await visitor.goto(linkIn(invitation, '/accept/'));
  assert.equal(await visitor.getByRole('button').count(), 1);
  await visitor.getByRole('button', { name: 'Take my seat' }).click();
  await visitor.waitForLoadState();
  assert.match(await visitor.getByTestId('invitation').innerText(), /Your seat is yours/);
  await visitor.screenshot({ path: join(artifacts, 'owner-4-seat-accepted.png') });

  await page.goto(server.baseUrl + '/admin');
  assert.equal(await page.getByTestId('count-accepted').innerText(), '1');
  assert.deepEqual(people.foreign(), [], 'no request left our origin');
  assert.deepEqual(owner.foreign(), [], 'no request left our origin');
  await owner.context.close();
  await people.context.close();
});
