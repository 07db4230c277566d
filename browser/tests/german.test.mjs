// The second language in a browser: a site whose site.toml says language = "de" (a test
// folder; the demo stays English). A reader joins from the German course page, confirms
// from the German mail, and sees German pages throughout; axe checks the German page.
// Its screenshot is docs/screenshots/report-de.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, newVisitor, linkIn, root, accessibilityViolations } from '../lib/harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer({ env: { QUIETLIST_SITE_DIR: join(root, 'browser', 'fixtures', 'site-de') } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a reader of the German course page joins and confirms in German', async () => {
  const visitor = await newVisitor(browser, server.baseUrl, { javaScriptEnabled: true });
  const page = await visitor.context.newPage();
  await page.goto(server.baseUrl + '/courses/grundlagen');
  assert.equal(await page.locator('html').getAttribute('lang'), 'de');
  assert.equal(await page.locator('.kind').textContent(), 'Kurs');
  assert.deepEqual(await accessibilityViolations(page), []);
  await page.screenshot({ path: join(root, 'docs', 'screenshots', 'report-de.png'), fullPage: true });

  await page.getByLabel('E-Mail-Adresse').fill('leserin@example.com');
  await page.getByRole('button', { name: 'Auf die Warteliste' }).click();
  await page.waitForURL(/check-your-inbox$/);
  assert.match(await page.locator('h1').innerText(), /Bitte sehen Sie in Ihr Postfach/);

  const mail = await server.mailTo('leserin@example.com');
  await page.goto(linkIn(mail, '/confirm/'));
  await page.getByRole('button', { name: 'Meinen Platz bestätigen' }).click();
  await page.waitForLoadState();
  assert.match(await page.locator('h1').innerText(), /Sie stehen auf der Warteliste/);
  assert.match(await page.getByTestId('place').innerText(), /^[0-9]+$/);
});
