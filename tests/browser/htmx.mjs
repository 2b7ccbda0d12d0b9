// The htmx example in headless Chromium with the real htmx (the npm package htmx.org, served in
// place of the page's CDN URL): the node side of the htmx test in tests/browser.rs.
//
// Usage: node htmx.mjs <base URL> <htmx CDN URL>
//
// Loads <base>/dashboard, clicks "This week", then "This month", then goes Back, and prints one
// JSON object: the state of the page after each step —
//
//   {"initial": State, "week": State, "month": State, "back": State, "errors": ["..."]}
//   State = {"path", "latest", "active", "archive", "children", "requests": ["GET /dashboard/week", ...]}
//
// `requests` are the requests to the app since the previous step, with `hx` when htmx sent
// them (HX-Request). Chromium: `$CHROMIUM`, else /usr/bin/chromium.

import { launch, htmxPage } from './htmx-page.mjs';

const [base, cdn] = process.argv.slice(2);

const browser = await launch();
const errors = [];
const result = { errors };
try {
  const { page, takeRequests } = await htmxPage(browser, { base, cdn, errors });
  const state = async () => {
    const seen = await page.evaluate(() => ({
      path: location.pathname,
      latest: document.querySelector('#latest h2')?.textContent ?? null,
      active: document.querySelector('#tabs .active')?.textContent ?? null,
      archive: document.querySelector('#archive h2')?.textContent ?? null,
      children: document.querySelector('#children h2')?.textContent ?? null,
    }));
    seen.requests = takeRequests();
    return seen;
  };
  const latestIs = (text) => page.waitForFunction(
    (text) => document.querySelector('#latest h2')?.textContent === text
      && document.querySelector('#tabs .active') !== null, text);

  await page.goto(`${base}/dashboard`);
  await page.waitForFunction(() => window.htmx !== undefined);
  result.initial = await state();
  await page.click('#tabs a:text("This week")');
  await latestIs('Latest: this week');
  await page.waitForFunction(() => location.pathname === '/dashboard/week');
  result.week = await state();
  await page.click('#tabs a:text("This month")');
  await latestIs('Latest: this month');
  await page.waitForFunction(() => location.pathname === '/dashboard/month');
  result.month = await state();
  await page.goBack();
  await page.waitForFunction(() => location.pathname === '/dashboard/week');
  await latestIs('Latest: this week');
  result.back = await state();
} catch (error) {
  errors.push(`harness: ${error.message}`);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
