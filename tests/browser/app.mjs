// The app example (examples/acme) in headless Chromium with the real htmx (the npm package
// htmx.org, served in place of the page's CDN URL): the node side of the app test in
// tests/browser.rs, and the README's screenshots (scripts/screenshots.sh).
//
// Usage: node app.mjs <base URL> <htmx CDN URL> [screenshot folder]
//
// Walks the four pages as a user would — the dashboard (its news streamed in after the
// shell), the chat (a conversation opened from the list, a message typed and sent), the shop
// (a category, then the price filter), a blog post — and prints one JSON object with what it
// saw at each step:
//
//   {"dashboard": Step, "chat": Step, "conversation": Step, "sent": Step, "shop": Step,
//    "filtered": Step, "post": Step, "reloads": N, "errors": ["..."]}
//   Step = {"path", "title", "h2": ["..."], "text": {...}, "requests": ["POST /chat/2/messages hx", ...]}
//
// `requests` are the requests to the app since the previous step, with `hx` when htmx sent
// them; `reloads` counts the full page loads after the first (htmx navigation and the chat
// form make none). With a folder, a PNG of each page is written there. Chromium: `$CHROMIUM`,
// else /usr/bin/chromium.

import { join } from 'node:path';
import { launch, htmxPage } from './htmx-page.mjs';

const [base, cdn, shots] = process.argv.slice(2);

const browser = await launch();
const errors = [];
const result = { errors, reloads: 0 };
try {
  const { page, takeRequests } = await htmxPage(browser, {
    base, cdn, errors, query: true, options: { viewport: { width: 1100, height: 760 } },
  });
  let loads = 0;
  page.on('load', () => { loads += 1; });
  const step = async (name, text = {}) => {
    const seen = await page.evaluate((text) => ({
      path: location.pathname + location.search,
      title: document.title,
      h2: [...document.querySelectorAll('main h2')].map((h) => h.textContent),
      text: Object.fromEntries(Object.entries(text).map(([key, selector]) => [key,
        [...document.querySelectorAll(selector)].map((element) => element.textContent.trim())])),
    }), text);
    seen.requests = takeRequests();
    result[name] = seen;
    if (shots) {
      await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    }
  };
  const htmxReady = () => page.waitForFunction(() => window.htmx !== undefined);

  // The dashboard: the shell, then the news in the same response.
  await page.goto(`${base}/dashboard`);
  await htmxReady();
  await page.waitForFunction(() => !document.querySelector('.skeleton'));
  await step('dashboard', { news: '#news li', transactions: '#transactions li', stats: '.stat' });

  // The chat, by the navigation (htmx), then a conversation from the list (htmx).
  await page.click('#nav a:text("Chat")');
  await page.waitForFunction(() => document.querySelector('#current h2')?.textContent === 'Pick a conversation');
  await step('chat', { list: '#list li' });
  await page.click('#list a:text("Design review")');
  await page.waitForFunction(() => document.querySelector('#current h2')?.textContent === 'Design review');
  await page.waitForFunction(() => location.pathname === '/chat/2');
  await step('conversation', { messages: '.messages li', current: '#list [aria-current]' });

  // A message, sent with the form: the pane and then the list's counts update in place.
  const counted = await page.textContent('#list a[aria-current] + .meta');
  await page.fill('input[name=body]', 'Shipped <b>today</b> & on time');
  await page.click('form button');
  await page.waitForFunction(() => [...document.querySelectorAll('.messages li')]
    .some((li) => li.textContent.includes('Shipped <b>today</b> & on time')));
  await page.waitForFunction((counted) =>
    document.querySelector('#list a[aria-current] + .meta')?.textContent !== counted, counted);
  await step('sent', { messages: '.messages li', current: '#list [aria-current] + .meta', input: 'input[name=body]' });
  result.sent.input = await page.inputValue('input[name=body]');
  result.sent.bold = await page.evaluate(() => document.querySelectorAll('.messages b b').length);

  // The shop: the navigation (htmx), a category (a link), the filter (a GET form).
  await page.click('#nav a:text("Shop")');
  await page.waitForFunction(() => location.pathname === '/shop');
  await page.click('a:text("Desks")');
  await page.waitForFunction(() => document.querySelectorAll('.products li').length > 0);
  await step('shop', { products: '.products li', crumbs: '.crumbs' });
  await page.fill('input[name=max]', '400');
  await page.click('form button');
  await page.waitForFunction(() => location.search.includes('max=400'));
  await page.waitForFunction(() => document.querySelectorAll('.products li').length > 0);
  await step('filtered', { products: '.products li' });

  // A blog post, with its related and popular posts.
  await page.goto(`${base}/blog/parallel-routes`);
  await step('post', { related: '#related li', popular: '#popular li' });
  result.reloads = loads - 1;
} catch (error) {
  errors.push(`harness: ${error.message}`);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
