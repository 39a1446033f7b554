// Drives the explorer at / in headless Chromium with every request off the
// test server's host blocked (a network with no way out), and prints what a
// user sees as JSON; the Go test (internal/explorer/e2e_test.go) starts the
// server and checks the report.
//
//   E2E='{"url": "http://127.0.0.1:PORT/", "staffToken": "...", "docsField": "facilitiesNear",
//         "screenshots": "dir/explorer-sqlite"}' node e2e.mjs
import { chromium } from 'playwright-core';

const cfg = JSON.parse(process.env.E2E);
const origin = new URL(cfg.url).origin;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const report = { consoleErrors: [], failedRequests: [], badResponses: [], blocked: [], requests: [] };

// The visible editor of the variables/headers pane.
const HEADERS = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';

// The text of the CodeMirror editor inside the element matching selector.
const editorText = (page, selector) =>
  page.evaluate((sel) => {
    const cm = document.querySelector(`${sel} .CodeMirror`);
    return cm ? cm.CodeMirror.getValue() : null;
  }, selector);

// Waits until the response pane holds JSON and returns it parsed.
async function response(page) {
  await page.waitForFunction(() => {
    const cm = document.querySelector('.result-window .CodeMirror');
    const v = cm && cm.CodeMirror.getValue();
    if (!v) return false;
    try { JSON.parse(v); return true; } catch { return false; }
  }, null, { timeout: 30000 });
  return JSON.parse(await editorText(page, '.result-window'));
}

async function clearResponse(page) {
  await page.evaluate(() => document.querySelector('.result-window .CodeMirror').CodeMirror.setValue(''));
}

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
  // No outside network: only the test server answers; anything else is
  // recorded and refused, as a closed government network would.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('data:') || new URL(url).origin === origin) return route.continue();
    report.blocked.push(url);
    return route.abort('internetdisconnected');
  });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') report.consoleErrors.push(`${m.text()} (${m.location().url})`); });
  page.on('pageerror', (e) => report.consoleErrors.push(String(e)));
  page.on('requestfailed', (r) => report.failedRequests.push(`${r.url()} ${r.failure() && r.failure().errorText}`));
  page.on('request', (r) => report.requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
  page.on('response', (r) => { if (r.status() >= 400) report.badResponses.push(`${r.status()} ${r.url()}`); });

  const started = Date.now();
  await page.goto(cfg.url);
  // Rendered: the first tab's document in the query editor and the schema
  // loaded (the docs button works only then).
  await page.waitForFunction(() => {
    const cm = document.querySelector('.graphiql-query-editor .CodeMirror');
    return cm && cm.CodeMirror.getValue().includes('query PublicMap');
  }, null, { timeout: 30000 });
  report.renderMs = Date.now() - started;
  report.tabs = await page.locator('.graphiql-tab').evaluateAll((els) => els.map((e) => e.querySelector('button').textContent.trim()));
  report.links = await page.locator('.lc-bar a').evaluateAll((els) => els.map((a) => a.getAttribute('href')));

  // Run the first tab's query through the explorer.
  await page.locator('.graphiql-execute-button').click();
  const first = await response(page);
  report.publicMap = {
    errors: first.errors || null,
    facilities: first.data ? first.data.facilitiesNear.totalCount : null,
    firstName: first.data && first.data.facilitiesNear.edges[0] ? first.data.facilitiesNear.edges[0].node.name : null,
    score: first.data ? first.data.serviceCircle.score : null,
  };
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${cfg.screenshots}-query.png` });

  // The docs: the root Query type, then one field's description, which is
  // in English and Chinese.
  await page.locator('.graphiql-sidebar button').first().click();
  await page.locator('.graphiql-doc-explorer').waitFor({ timeout: 15000 });
  await page.locator('.graphiql-doc-explorer a.graphiql-doc-explorer-type-name', { hasText: /^Query$/ }).first().click();
  await page.locator('.graphiql-doc-explorer a.graphiql-doc-explorer-field-name', { hasText: new RegExp(`^${cfg.docsField}$`) }).first().click();
  await page.locator('.graphiql-doc-explorer-title', { hasText: cfg.docsField }).waitFor({ timeout: 15000 });
  report.docs = await page.locator('.graphiql-doc-explorer-content').first().innerText();
  await page.evaluate(() => document.querySelector('.graphiql-doc-explorer-title').scrollIntoView());
  await page.waitForTimeout(200);
  await page.screenshot({ path: `${cfg.screenshots}-docs.png` });

  // The staff tab: the headers editor holds the bearer template, and the
  // explorer will not send it as it is.
  await page.locator('.graphiql-tab').nth(report.tabs.length - 1).locator('button').first().click();
  await page.waitForFunction(() => {
    const cm = document.querySelector('.graphiql-query-editor .CodeMirror');
    return cm && cm.CodeMirror.getValue().includes('query StaffNeedsList');
  }, null, { timeout: 15000 });
  await page.locator('.graphiql-editor-tools button', { hasText: 'Headers' }).click();
  report.headersTemplate = await editorText(page, HEADERS);
  const before = report.requests.length;
  await clearResponse(page);
  await page.locator('.graphiql-execute-button').click();
  await page.getByRole('menuitem', { name: 'StaffNeedsList' }).click();
  const refused = await response(page);
  report.placeholderRefusal = refused.errors ? refused.errors[0] : null;
  report.requestsForPlaceholder = report.requests.slice(before).filter((r) => r.endsWith('/graphql')).length;

  // With a real staff token the same operation answers as staff.
  await page.evaluate(([tok, sel]) => {
    const cm = document.querySelector(sel).CodeMirror;
    cm.setValue(cm.getValue().replace('PASTE_STAFF_TOKEN', tok));
  }, [cfg.staffToken, `${HEADERS} .CodeMirror`]);
  await clearResponse(page);
  await page.locator('.graphiql-execute-button').click();
  await page.getByRole('menuitem', { name: 'StaffNeedsList' }).click();
  const staff = await response(page);
  report.staff = {
    errors: staff.errors || null,
    role: staff.data ? staff.data.viewer.role : null,
    community: staff.data && staff.data.viewer.community ? staff.data.viewer.community.name : null,
    requests: staff.data ? staff.data.serviceRequests.totalCount : null,
  };
  await page.waitForTimeout(200);
  // Mask the token in the picture.
  await page.evaluate(([tok, sel]) => {
    const cm = document.querySelector(sel).CodeMirror;
    cm.setValue(cm.getValue().replace(tok, 'lc_…'));
  }, [cfg.staffToken, `${HEADERS} .CodeMirror`]);
  await page.screenshot({ path: `${cfg.screenshots}-staff.png` });
  report.title = await page.title();

  // A reload keeps the tabs as they were left (here: the staff tab, its
  // query edited); a new visit starts from the examples again, the staff
  // tab's header template included, and no token is kept anywhere.
  await page.evaluate(() => {
    const cm = document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror;
    cm.setValue(cm.getValue().replace('query StaffNeedsList', '# edited before the reload\nquery StaffNeedsList'));
  });
  await page.waitForTimeout(800); // GraphiQL stores tabs after 500 ms
  await page.reload();
  await page.waitForFunction(() => {
    const cm = document.querySelector('.graphiql-query-editor .CodeMirror');
    return cm && cm.CodeMirror.getValue().includes('query StaffNeedsList');
  }, null, { timeout: 30000 });
  report.afterReload = {
    tabs: await page.locator('.graphiql-tab').count(),
    edited: (await editorText(page, '.graphiql-query-editor')).includes('# edited before the reload'),
  };
  const visit = await context.newPage();
  await visit.goto(cfg.url);
  await visit.waitForFunction(() => {
    const cm = document.querySelector('.graphiql-query-editor .CodeMirror');
    return cm && cm.CodeMirror.getValue().includes('query PublicMap');
  }, null, { timeout: 30000 });
  const n = await visit.locator('.graphiql-tab').count();
  await visit.locator('.graphiql-tab').nth(n - 1).locator('button').first().click();
  await visit.waitForFunction(() => {
    const cm = document.querySelector('.graphiql-query-editor .CodeMirror');
    return cm && cm.CodeMirror.getValue().includes('query StaffNeedsList');
  }, null, { timeout: 15000 });
  await visit.locator('.graphiql-editor-tools button', { hasText: 'Headers' }).click();
  report.newVisit = {
    tabs: n,
    edited: (await editorText(visit, '.graphiql-query-editor')).includes('# edited before the reload'),
    headers: await editorText(visit, HEADERS),
    stored: await visit.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })),
  };
  await visit.close();

  // The blocker itself: a page of another host must be refused and recorded.
  const probe = await context.newPage();
  const outside = 'http://example.com/lifecircle-blocker-check';
  await probe.goto(outside).then(() => { report.blockerCheck = 'loaded'; }, (e) => { report.blockerCheck = String(e.message).split('\n')[0]; });
  const i = report.blocked.indexOf(outside);
  report.blockerRecorded = i >= 0;
  if (i >= 0) report.blocked.splice(i, 1);
  await probe.close();
} catch (e) {
  report.error = String(e && e.stack || e);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report));
