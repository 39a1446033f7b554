// Renders pages of the open-data portal in headless Chromium at each width
// and prints, as JSON, what a visitor sees: whether the page scrolls
// sideways, what it shows, and where the screenshots are. The Go test
// (internal/opendata/browser_test.go) starts the server and checks the
// report.
//
//   PORTAL='{"pages": ["http://.../open/"], "widths": [1280, 390], "dir": "/tmp"}' node portal.mjs
import { chromium } from 'playwright-core';

const cfg = JSON.parse(process.env.PORTAL);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const report = { pages: [] };
try {
  for (const width of cfg.widths) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors = [];
    const outside = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => { if (!r.url().startsWith(new URL(cfg.pages[0]).origin) && !r.url().startsWith('data:')) outside.push(r.url()); });
    for (const url of cfg.pages) {
      errors.length = 0;
      outside.length = 0;
      const res = await page.goto(url);
      const u = new URL(url);
      const name = u.pathname.replace(/\/$/, '').replace(/^\//, '').replace(/\//g, '-') + (u.search ? '-search' : '');
      const shot = `${cfg.dir}/portal-${name}-${width}.png`;
      await page.screenshot({ path: shot, fullPage: true });
      report.pages.push({
        url, width, status: res.status(), screenshot: shot,
        scrollWidth: await page.evaluate(() => document.documentElement.scrollWidth),
        clientWidth: await page.evaluate(() => document.documentElement.clientWidth),
        title: await page.title(),
        h1: await page.locator('h1').first().textContent(),
        previewRows: await page.locator('table.preview tbody tr').count(),
        dictionaryRows: await page.locator('table.dictionary tbody tr').count(),
        mapPoints: await page.locator('svg.map circle').count(),
        mapWidth: await page.locator('svg.map').count() ? await page.locator('svg.map').evaluate((e) => e.getBoundingClientRect().width) : 0,
        // Elements wider than the viewport (an inner scroll box aside).
        overflowing: await page.evaluate(() => [...document.querySelectorAll('body *')]
          .filter((e) => !e.closest('.scroll') && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
          .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)),
        errors: [...errors], outside: [...outside],
      });
    }
    await context.close();
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report));
