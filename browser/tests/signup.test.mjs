// A person reads the report, joins the waitlist, confirms from the mail and sees their
// place in line: with JavaScript off, and again with it on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, newVisitor, linkIn, artifacts, accessibilityViolations } from '../lib/harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const javaScriptEnabled of [false, true]) {
  const label = javaScriptEnabled ? 'js-on' : 'js-off';
  test(`a reader joins the waitlist from the report and confirms (${label})`, async () => {
    const email = `reader-${label}@example.com`;
    const visitor = await newVisitor(browser, server.baseUrl, { javaScriptEnabled });
    const page = await visitor.context.newPage();

    await page.goto(server.baseUrl + '/');
    await page.screenshot({ path: join(artifacts, `${label}-1-home.png`), fullPage: true });
    await page.getByRole('link', { name: /Ketamine/ }).first().click();
    await page.waitForURL(/\/reports\/ketamine-rapid-antidepressant$/);
    assert.match(await page.locator('h1').innerText(), /Ketamine/);
    await page.locator('#join').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, `${label}-2-report-form.png`) });

    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Which describes you best?').selectOption('therapist');
    await page.getByRole('button', { name: 'Join the waitlist' }).click();
    await page.waitForURL(/check-your-inbox$/);
    assert.match(await page.locator('h1').innerText(), /Check your inbox/);
    await page.screenshot({ path: join(artifacts, `${label}-3-check-inbox.png`) });

    const mail = await server.mailTo(email);
    const link = linkIn(mail, '/confirm/');
    await page.goto(link);
    assert.equal(await page.getByRole('button').count(), 1, 'the link page has exactly one button');
    await page.screenshot({ path: join(artifacts, `${label}-4-confirm.png`) });
    await page.getByRole('button', { name: 'Confirm my place' }).click();
    await page.waitForLoadState();
    const place = await page.getByTestId('place').innerText();
    assert.match(place, /^[0-9]+$/);
    await page.screenshot({ path: join(artifacts, `${label}-5-place-in-line.png`) });

    // The confirmed page links to the person's own data.
    await page.getByTestId('manage').click();
    await page.waitForLoadState();
    assert.equal(await page.getByTestId('email').innerText(), email);
    assert.equal(await page.getByTestId('status').innerText(), 'confirmed');
    await page.screenshot({ path: join(artifacts, `${label}-6-my-data.png`), fullPage: true });

    assert.deepEqual(visitor.foreign(), [], 'no request left our origin');
    assert.deepEqual(await visitor.context.cookies(), [], 'a visitor gets no cookies');
    assert.deepEqual(visitor.cspViolations, [], 'the pages break no rule of our CSP');
    await visitor.context.close();
  });
}

test('a mistyped address is shown again with the message beside it (js-off)', async () => {
  const visitor = await newVisitor(browser, server.baseUrl, { javaScriptEnabled: false });
  const page = await visitor.context.newPage();
  await page.goto(server.baseUrl + '/courses/essential-business-foundations');
  await page.getByLabel('Email address').fill('someone-at-example.com');
  await page.getByRole('button', { name: 'Join the waitlist' }).click();
  await page.waitForLoadState();
  assert.equal(await page.getByLabel('Email address').inputValue(), 'someone-at-example.com');
  assert.match(await page.locator('#email-error').innerText(), /@/);
  await page.screenshot({ path: join(artifacts, 'js-off-6-form-error.png'), fullPage: true });
  await visitor.context.close();
});

test('the public pages pass axe-core WCAG 2 A/AA checks and fit a phone screen', async () => {
  const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
  const page = await context.newPage();
  for (const path of ['/', '/reports/ketamine-rapid-antidepressant', '/courses/essential-business-foundations', '/waitlists/pilot-course', '/privacy', '/manage']) {
    await page.goto(server.baseUrl + path);
    assert.deepEqual(await accessibilityViolations(page), [], `${path} has accessibility violations`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${path} scrolls sideways on a phone by ${overflow}px`);
  }
  await page.goto(server.baseUrl + '/reports/ketamine-rapid-antidepressant');
  await page.screenshot({ path: join(artifacts, 'phone-report.png') });
  await context.close();
});
