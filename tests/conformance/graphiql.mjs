// GraphiQL in headless Chromium, as a person would use it: open /graphql in the browser, paste
// the bearer token into the Headers tab, type `{ me { displayName } }`, run it, and wait for
// the caller's name in the result pane. Saves a screenshot (default
// target/conformance/graphiql.png). Fails on page errors, Content-Security-Policy violations,
// or any request that leaves the server (the page must work without a CDN).
//
// Usage: TOKEN=… [CHROMIUM=/usr/bin/chromium] node graphiql.mjs http://127.0.0.1:8080 [out.png]
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const base = (process.argv[2] ?? '').replace(/\/$/, '');
const token = process.env.TOKEN;
const screenshot =
  process.argv[3] ??
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'target', 'conformance', 'graphiql.png');
if (!base || !token) {
  console.error('usage: TOKEN=… node graphiql.mjs http://HOST:PORT [screenshot.png]');
  process.exit(2);
}

let passed = 0;
let failed = 0;
function report(ok, name, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
}

// What the page must show: the caller's name, as the API gives it.
const me = await fetch(`${base}/graphql`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  body: JSON.stringify({ query: '{ me { displayName } }' }),
}).then((r) => r.json());
const name = me?.data?.me?.displayName;
if (!name) {
  console.error(`cannot read the caller's name: ${JSON.stringify(me)}`);
  process.exit(1);
}

const profile = await mkdtemp(join(tmpdir(), 'chorus-graphiql-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
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
  ],
  viewport: { width: 1280, height: 800 },
  timeout: 60_000,
});
const problems = [];
const foreign = [];
try {
  const page = context.pages()[0] ?? (await context.newPage());
  const origin = new URL(base).origin;
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith('data:')) foreign.push(url);
  });

  // A browser navigation sends Accept: text/html, which is what selects GraphiQL.
  const response = await page.goto(`${base}/graphql`, { waitUntil: 'load', timeout: 30_000 });
  const csp = response?.headers()['content-security-policy'] ?? '';
  report(
    response?.status() === 200 && csp.includes("script-src 'self'"),
    'GET /graphql (Accept: text/html) serves GraphiQL with a CSP',
    `HTTP ${response?.status()}`,
  );
  await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 30_000 });
  report(true, 'GraphiQL renders from the served assets');

  // The token goes into the Headers tab (shown by default), pasted as a person would.
  await page.getByRole('tab', { name: 'Headers' }).or(page.locator('button:has-text("Headers")')).first().click();
  const headers = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror');
  await headers.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2));

  // The query is typed key by key into the query editor (its brackets close themselves and
  // are typed over).
  const query = page.locator('.graphiql-query-editor .CodeMirror');
  await query.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type('{ me { displayName } }', { delay: 20 });
  await page.keyboard.press('Escape'); // an open autocompletion list
  const typed = await page.evaluate(
    () => document.querySelector('.graphiql-query-editor .CodeMirror')?.CodeMirror?.getValue() ?? '',
  );
  report(typed.replace(/\s+/g, ' ').trim() === '{ me { displayName } }', 'the query is typed', JSON.stringify(typed));

  await page.locator('.graphiql-execute-button').click();
  const shown = await page
    .waitForFunction(
      (expected) => document.querySelector('.graphiql-response')?.innerText.includes(expected),
      name,
      { timeout: 15_000 },
    )
    .then(() => true)
    .catch(() => false);
  const result = await page.evaluate(() => document.querySelector('.graphiql-response')?.innerText ?? '');
  report(shown, `the result pane shows "${name}"`, shown ? '' : JSON.stringify(result.slice(0, 300)));

  // With the token in place the schema loads (GraphiQL's introspection query must pass the
  // server's limits): the documentation explorer lists the root types.
  await page.locator('[aria-label="Re-fetch GraphQL schema"]').click();
  await page.locator('[aria-label="Show Documentation Explorer"]').click();
  const docs = await page
    .waitForFunction(
      () => /query:\s*Query/.test(document.querySelector('.graphiql-doc-explorer')?.innerText ?? ''),
      null,
      { timeout: 15_000 },
    )
    .then(() => true)
    .catch(() => false);
  const explorer = await page.evaluate(() => document.querySelector('.graphiql-doc-explorer')?.innerText ?? '');
  report(docs, 'the schema loads into the documentation explorer', docs ? '' : JSON.stringify(explorer.slice(0, 300)));

  await mkdir(dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot });
  console.log(`screenshot: ${screenshot}`);
} catch (e) {
  report(false, 'GraphiQL session', e.message);
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
}
report(problems.length === 0, 'no page errors or CSP violations', problems.join(' | '));
report(foreign.length === 0, 'no request leaves the server', foreign.join(' '));

console.log(`graphiql: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
