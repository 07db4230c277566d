// Reading the report: in a dark colour scheme and on paper, with axe-core finding no
// WCAG 2 A/AA violation in either; and the screenshots of the report in light and dark.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launchBrowser, root, accessibilityViolations } from '../lib/harness.mjs';

const REPORT = '/reports/ketamine-rapid-antidepressant';
const PAGES = ['/', REPORT, '/courses/essential-business-foundations'];
const screenshots = join(root, 'docs', 'screenshots');

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  mkdirSync(screenshots, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Relative luminance (WCAG) of a computed `rgb(...)` colour. */
function luminance(rgb) {
  const [r, g, b] = rgb.match(/[\d.]+/g).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

const colours = (page) => page.evaluate(() => {
  const style = getComputedStyle(document.body);
  return { background: style.backgroundColor, text: style.color };
});

test('in a dark colour scheme the pages are dark and pass axe-core', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.emulateMedia({ colorScheme: 'dark' });
  for (const path of PAGES) {
    await page.goto(server.baseUrl + path);
    const { background, text } = await colours(page);
    assert.ok(luminance(background) < 0.05, `${path}: background ${background} is not dark`);
    assert.ok(luminance(text) > 0.6, `${path}: text ${text} is not light`);
    assert.deepEqual(await accessibilityViolations(page), [], `${path} (dark) has accessibility violations`);
  }
  await context.close();
});

test('printed, the report is black on white without forms or navigation, links show their address', async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  // Printing from a dark screen still gives black on white.
  await page.emulateMedia({ media: 'print', colorScheme: 'dark' });
  await page.goto(server.baseUrl + REPORT);
  assert.deepEqual(await colours(page), { background: 'rgb(255, 255, 255)', text: 'rgb(0, 0, 0)' });
  const shown = (selector) => page.evaluate((s) => [...document.querySelectorAll(s)]
    .filter((e) => getComputedStyle(e).display !== 'none').length, selector);
  for (const selector of ['form', 'button', 'nav', '.anchor', '.site-footer']) {
    const present = await page.evaluate((s) => document.querySelectorAll(s).length, selector);
    assert.ok(present > 0, `the report has ${selector} on screen`);
    assert.equal(await shown(selector), 0, `${selector} is printed`);
  }
  const breakInside = await page.evaluate(() => getComputedStyle(document.getElementById('ref-1')).breakInside);
  assert.equal(breakInside, 'avoid', 'a reference is not split across pages');
  // An outside link in the text prints its address after it.
  const after = await page.evaluate(() => {
    const link = document.createElement('a');
    link.href = 'https://doi.org/10.1038/nature10130';
    link.textContent = 'the paper';
    document.querySelector('.prose p').append(link);
    return getComputedStyle(link, '::after').content;
  });
  assert.match(after, /https:\/\/doi\.org\/10\.1038\/nature10130/);
  assert.deepEqual(await accessibilityViolations(page), [], 'the printed report has accessibility violations');
  await context.close();
});

test('screenshots of the report in light and dark, on a phone and a desktop', async () => {
  for (const [size, viewport] of [['phone', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 900 }]]) {
    for (const colorScheme of ['light', 'dark']) {
      const context = await browser.newContext({ viewport, colorScheme });
      const page = await context.newPage();
      await page.goto(server.baseUrl + REPORT);
      const name = size === 'desktop' ? `report-${colorScheme}.png` : `report-${colorScheme}-phone.png`;
      await page.screenshot({ path: join(screenshots, name) });
      await context.close();
    }
  }
});
