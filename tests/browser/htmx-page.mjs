// What the htmx scripts share (htmx.mjs, app.mjs): headless Chromium (`$CHROMIUM`, else
// /usr/bin/chromium) and a page whose htmx, loaded from the CDN URL the examples use, is the
// installed npm package instead; console errors and uncaught exceptions are collected, and
// the requests to the app are recorded (`GET /path?query hx`, `hx` when htmx sent them).

import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';

const htmx = fileURLToPath(new URL('./node_modules/htmx.org/dist/htmx.min.js', import.meta.url));

/** Launches Chromium; the caller closes it. */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A new page of `browser` (with `options`) that serves the npm htmx for `cdn` and pushes the
 * console's errors to `errors`. Returns the page and `takeRequests()`, the requests to `base`
 * since the previous call (with their query string when `query`).
 */
export async function htmxPage(browser, { base, cdn, errors, options = {}, query = false }) {
  const page = await browser.newPage(options);
  page.setDefaultTimeout(20_000);
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  await page.route(cdn, (route) => route.fulfill({ path: htmx, contentType: 'text/javascript' }));
  let requests = [];
  page.on('request', (request) => {
    if (request.url().startsWith(base)) {
      const hx = request.headers()['hx-request'] === 'true' ? ' hx' : '';
      const url = new URL(request.url());
      requests.push(`${request.method()} ${url.pathname}${query ? url.search : ''}${hx}`);
    }
  });
  const takeRequests = () => {
    const taken = requests;
    requests = [];
    return taken;
  };
  return { page, takeRequests };
}
