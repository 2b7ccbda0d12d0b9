// Drives Debian's headless Chromium through Playwright for the browser tests: the node side of
// tests/chromium.rs (used by tests/browser.rs and tests/differential.rs).
//
// Reads jobs from stdin, one a line: a JSON object, or a bare URL (short for {"url": URL}).
//
//   {"id": "7", "url": "http://...", "mode": "dom", "waitFor": "#latest h2"}
//   {"id": "8", "url": "http://...", "mode": "stream", "skeleton": ".skeleton", "content": ".late"}
//
// For each job, one JSON line on stdout, in completion order:
//
//   {"id": "7", "url": "...", "dom": "..." | null, "errors": ["..."], "stream": {...} | null}
//
// mode "dom" (the default): loads the URL and waits for its load event (a streamed page fires
// it when its stream ends, after every swap script ran), then for `waitFor` (a CSS selector,
// optional) to be in the DOM.
//
// mode "stream": watches the page arrive. Navigates with `waitUntil: 'commit'` (as soon as the
// response's headers are in), then looks every 20 ms until the `content` selector is in the DOM,
// noting when the `skeleton` selector was first visible and whether the content was there
// already, then waits for the load event. `stream` reports
//
//   {"commitMs", "first": "skeleton" | "content", "skeletonMs" | null,
//    "contentAtSkeleton": bool | null, "contentMs", "loadMs", "skeletonLeft": bool}
//
// with times in ms since the navigation started: a streamed page shows its skeleton first,
// with the content not yet in the DOM; a buffered page shows the content first and never the
// skeleton. Each stream job gets a fresh tab, closed afterwards.
//
// In both modes `dom` is `document.documentElement.outerHTML` at the end, with every
// `<script>` that lacks a `data-app` attribute removed first: those are the framework's own
// inline scripts, while the tests' app scripts carry `data-app`. `errors` holds the page's
// console errors (a script refused by a Content-Security-Policy is one), uncaught exceptions,
// failed loads (`load: status 404`) and harness failures (`harness: <message>`, `dom` null).
//
// Chromium: `$CHROMIUM`, else /usr/bin/chromium. Tabs: `$DOM_PAGES` at once (default 4).
// Exits 0 once stdin is closed and every job is answered; 1 if the browser cannot start.

import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const pages = Math.max(1, Number.parseInt(process.env.DOM_PAGES || '4', 10) || 4);
const timeout = 30_000;

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
 * Whether the `skeleton` selector matches a visible element (rendered, with a non-empty box, as
 * Playwright's `visible`) and the `content` selector any element; runs in the page.
 */
function look({ skeleton, content }) {
  const element = document.querySelector(skeleton);
  let visible = false;
  if (element) {
    const box = element.getBoundingClientRect();
    visible = box.width > 0 && box.height > 0 && element.checkVisibility({ visibilityProperty: true });
  }
  return { skeleton: visible, content: document.querySelector(content) !== null };
}

/** The message of anything thrown. */
function message(error) {
  return error && error.message ? error.message : String(error);
}

/** A job from one input line: a JSON object, or a bare URL. */
function parseJob(line) {
  const job = line.startsWith('{') ? JSON.parse(line) : { url: line };
  return { id: job.url, mode: 'dom', ...job };
}

/**
 * A tab that runs jobs one after another (a fresh tab per URL costs more than the load). Its
 * console errors and page errors go to the job being run; after a failure, or a stream job, the
 * tab is replaced, so that nothing of one job reaches the next.
 */
class Tab {
  async run(job) {
    const errors = [];
    this.errors = errors;
    const answer = { id: job.id, url: job.url, dom: null, errors, stream: null };
    try {
      if (!this.page) await this.open();
      if (job.mode === 'stream') answer.stream = await this.stream(job);
      else if (job.mode === 'dom') await this.load(job);
      else throw new Error(`unknown mode ${JSON.stringify(job.mode)}`);
      answer.dom = await this.page.evaluate(domWithoutFrameworkScripts);
      if (job.mode === 'stream') await this.close();
    } catch (error) {
      errors.push(`harness: ${message(error)}`);
      await this.close();
    }
    return { ...answer, errors: [...errors] };
  }

  /** Loads the URL, waits for its load event, then for `waitFor`. */
  async load(job) {
    const response = await this.page.goto(job.url, { waitUntil: 'load', timeout });
    this.check(response);
    if (job.waitFor) await this.page.waitForSelector(job.waitFor, { state: 'attached', timeout });
  }

  /** Watches the skeleton and the content arrive; see the header comment. */
  async stream(job) {
    if (!job.skeleton || !job.content) throw new Error('a stream job needs skeleton and content');
    const page = this.page;
    const started = performance.now();
    const since = () => Math.round(performance.now() - started);
    const response = await page.goto(job.url, { waitUntil: 'commit', timeout });
    const commitMs = since();
    this.check(response);
    // Polls one snapshot of both at a time, every 20 ms: a snapshot cannot see them in an
    // order they did not have, and the times are good to a poll (Playwright's own waits back
    // off to 500 ms).
    const selectors = { skeleton: job.skeleton, content: job.content };
    let first = null;
    let skeletonMs = null;
    let contentAtSkeleton = null;
    let contentMs = null;
    while (contentMs === null) {
      if (since() > timeout) throw new Error(`${job.content} not in the DOM after ${timeout} ms`);
      const seen = await page.evaluate(look, selectors);
      const at = since();
      if (first === null && seen.skeleton) {
        first = 'skeleton';
        skeletonMs = at;
        contentAtSkeleton = seen.content;
      }
      if (seen.content) {
        contentMs = at;
        first ??= 'content';
      } else {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    await page.waitForLoadState('load', { timeout });
    const loadMs = since();
    const skeletonLeft = (await page.$(job.skeleton)) !== null;
    return { commitMs, first, skeletonMs, contentAtSkeleton, contentMs, loadMs, skeletonLeft };
  }

  /** Records a missing or failed response. */
  check(response) {
    if (!response) this.errors.push('load: no response');
    else if (!response.ok()) this.errors.push(`load: status ${response.status()}`);
  }

  async open() {
    const page = await context.newPage();
    page.on('console', (entry) => {
      if (page === this.page && entry.type() === 'error') {
        this.errors.push(`console: ${entry.text()}`);
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

  async close() {
    const page = this.page;
    this.page = null;
    if (page) await page.close().catch(() => {});
  }
}

// A queue fed by stdin and drained by `pages` workers; a line is printed as soon as it is ready.
const queue = [];
const waiting = [];
let ended = false;

/** The next job, or null once stdin is closed and the queue is empty. */
function next() {
  if (queue.length > 0) return Promise.resolve(queue.shift());
  if (ended) return Promise.resolve(null);
  return new Promise((resolve) => waiting.push(resolve));
}

async function worker() {
  const tab = new Tab();
  for (let line = await next(); line !== null; line = await next()) {
    let answer;
    try {
      answer = await tab.run(parseJob(line));
    } catch (error) {
      answer = { id: line, url: line, dom: null, errors: [`harness: bad job: ${message(error)}`] };
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  }
  await tab.close();
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  const job = line.trim();
  if (!job) return;
  const resolve = waiting.shift();
  if (resolve) resolve(job);
  else queue.push(job);
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
