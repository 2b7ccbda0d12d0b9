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

import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';

const [base, cdn] = process.argv.slice(2);
const htmx = fileURLToPath(new URL('./node_modules/htmx.org/dist/htmx.min.js', import.meta.url));
const timeout = 20_000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const errors = [];
const result = { errors };
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(timeout);
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  // The page's htmx comes from the CDN when online; here, from the installed package.
  await page.route(cdn, (route) => route.fulfill({ path: htmx, contentType: 'text/javascript' }));
  let requests = [];
  page.on('request', (request) => {
    if (request.url().startsWith(base)) {
      const hx = request.headers()['hx-request'] === 'true' ? ' hx' : '';
      requests.push(`${request.method()} ${new URL(request.url()).pathname}${hx}`);
    }
  });
  const state = async () => {
    const seen = await page.evaluate(() => ({
      path: location.pathname,
      latest: document.querySelector('#latest h2')?.textContent ?? null,
      active: document.querySelector('#tabs .active')?.textContent ?? null,
      archive: document.querySelector('#archive h2')?.textContent ?? null,
      children: document.querySelector('#children h2')?.textContent ?? null,
    }));
    seen.requests = requests;
    requests = [];
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
