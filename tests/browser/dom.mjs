// Prints the DOM that Debian's headless Chromium builds for each URL read from stdin.
//
// Used by tests/differential.rs: one URL a line on stdin; for each, one JSON line on stdout,
// in completion order:
//
//   {"url": "...", "dom": "...", "errors": ["..."]}
//
// `dom` is `document.documentElement.outerHTML` once the page's load event has fired (a
// streamed page fires it when its stream ends, after every swap script ran), with every
// `<script>` that lacks a `data-app` attribute removed first: those are the framework's own
// inline scripts, while the test's app scripts carry `data-app`. `errors` holds the page's
// console errors, uncaught exceptions and failed loads.
//
// Chromium: `$CHROMIUM`, else /usr/bin/chromium. Pages: `$DOM_PAGES` at once (default 4).
// Exits 0 once stdin is closed and every URL is answered; 1 if the browser cannot start.

import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const pages = Math.max(1, Number.parseInt(process.env.DOM_PAGES || '4', 10) || 4);
const navigationTimeout = 30_000;

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    // A tab loads one URL after another from the same server: keep each in its renderer
    // process, with no back-forward cache to hold the previous page (a quarter faster).
    '--disable-features=BackForwardCache,RenderDocument,ProactivelySwapBrowsingInstance',
  ],
});
const context = await browser.newContext();

/** Every `<script>` without `data-app` removed, the DOM as HTML; runs in the page. */
function domWithoutFrameworkScripts() {
  for (const script of Array.from(document.querySelectorAll('script:not([data-app])'))) {
    script.remove();
  }
  return document.documentElement.outerHTML;
}

/**
 * A tab that loads URLs one after another (a fresh tab per URL costs more than the load). Its
 * console errors and page errors go to the URL being loaded; after a failure the tab is
 * replaced, so that nothing of a broken load reaches the next one.
 */
class Tab {
  async load(url) {
    const errors = [];
    this.errors = errors;
    try {
      if (!this.page) await this.open();
      const response = await this.page.goto(url, { waitUntil: 'load', timeout: navigationTimeout });
      if (!response) errors.push('load: no response');
      else if (!response.ok()) errors.push(`load: status ${response.status()}`);
      const dom = await this.page.evaluate(domWithoutFrameworkScripts);
      return { url, dom, errors: [...errors] };
    } catch (error) {
      errors.push(`harness: ${error && error.message ? error.message : String(error)}`);
      const page = this.page;
      this.page = null;
      if (page) await page.close().catch(() => {});
      return { url, dom: null, errors: [...errors] };
    }
  }

  async open() {
    const page = await context.newPage();
    page.on('console', (message) => {
      if (page === this.page && message.type() === 'error') {
        this.errors.push(`console: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => {
      if (page === this.page) this.errors.push(`pageerror: ${error.message}`);
    });
    page.on('crash', () => {
      if (page === this.page) this.errors.push('crash: the page crashed');
    });
    this.page = page;
  }
}

// A queue fed by stdin and drained by `pages` workers; a line is printed as soon as it is ready.
const queue = [];
const waiting = [];
let ended = false;

/** The next URL, or null once stdin is closed and the queue is empty. */
function next() {
  if (queue.length > 0) return Promise.resolve(queue.shift());
  if (ended) return Promise.resolve(null);
  return new Promise((resolve) => waiting.push(resolve));
}

async function worker() {
  const tab = new Tab();
  for (let url = await next(); url !== null; url = await next()) {
    const line = await tab.load(url);
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  const url = line.trim();
  if (!url) return;
  const resolve = waiting.shift();
  if (resolve) resolve(url);
  else queue.push(url);
});
lines.on('close', () => {
  ended = true;
  for (const resolve of waiting.splice(0)) resolve(null);
});

try {
  await Promise.all(Array.from({ length: pages }, worker));
} finally {
  await browser.close();
}
