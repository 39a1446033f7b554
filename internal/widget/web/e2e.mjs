// Drives the widget on a host page in headless Chromium and prints what a
// visitor sees as JSON; the Go test (internal/widget/e2e_test.go) starts
// the servers, passes the page and the facilities to act on, and checks
// the report against the public API.
//
//   E2E='{"url": "...", "toggle": "CODE", "facility": "ID", "screenshot": "out.png", "cookieURL": "..."}' node e2e.mjs
import { chromium } from 'playwright-core';

const cfg = JSON.parse(process.env.E2E);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const report = { consoleErrors: [], failedRequests: [], badResponses: [], yilao: {} };
try {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'zh-CN' });
  // A session cookie of the lifecircle origin: the widget must not send it.
  await context.addCookies([{ name: 'session', value: 'secret', url: cfg.cookieURL }]);
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') report.consoleErrors.push(`${m.text()} (${m.location().url})`); });
  page.on('pageerror', (e) => report.consoleErrors.push(e.stack || String(e)));
  page.on('requestfailed', (r) => {
    // A live stream is cut when its page navigates away or the widget is replaced: not a failure.
    if (r.method() === 'POST' && r.headers().accept === 'text/event-stream' && r.failure() && r.failure().errorText === 'net::ERR_ABORTED') return;
    report.failedRequests.push(`${r.url()} ${r.failure() && r.failure().errorText}`);
  });
  page.on('response', (r) => { if (r.status() >= 400) report.badResponses.push(`${r.status()} ${r.url()}`); });

  // The web editor's way: open /widget/, pick the community, copy the snippet.
  await page.goto(cfg.editorURL);
  await page.locator(`#community option[value="${cfg.community}"]`).waitFor({ state: 'attached' });
  await page.locator('#community').selectOption(cfg.community);
  await page.locator('#height').fill('560');
  await page.locator('#height').dispatchEvent('change');
  await page.waitForSelector(`#preview [data-community="${cfg.community}"][data-height="560"][data-state="ready"]`, { timeout: 30000 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: cfg.screenshot.replace(/\.png$/, '-editor.png'), fullPage: true });
  report.editor = {
    previewMarkers: await page.locator('#preview .lc-marker').count(),
    snippet: await page.locator('#snippet').inputValue(),
  };
  // The full services summary: the snippet says so, the preview opens the gaps.
  await page.locator('#coverage').selectOption('full');
  await page.waitForSelector(`#preview [data-coverage="full"][data-state="ready"]`, { timeout: 30000 });
  report.editor.fullSnippet = await page.locator('#snippet').inputValue();
  report.editor.fullGapsOpen = await page.locator('#preview [data-coverage="full"]').evaluate((host) => {
    const d = host.shadowRoot.querySelector('.lc-gaps');
    return Boolean(d && d.open && host.shadowRoot.querySelector('.lc-missing .lc-gap-nearest, .lc-met .lc-gap-nearest'));
  });

  // 一老一少: the preset ticks the community's services and tags for the
  // elderly and children; the snippet carries them, the preview shows only
  // the facilities with any of them.
  // The preview is replaced on every change, at once: a map removed
  // mid-animation throws nothing (src/release.js).
  await page.evaluate(() => { document.querySelector('#labels-box').open = true; });
  await page.locator('#preset-yilao').click();
  await page.waitForSelector('#preview [data-tags][data-state="ready"]', { timeout: 30000 });
  report.editor.yilaoSnippet = await page.locator('#snippet').inputValue();
  report.editor.yilaoMarkers = await page.locator('#preview [data-tags]').evaluate((host) => host.shadowRoot.querySelectorAll('.lc-marker').length);

  // Paste it into the district site.
  await page.goto(`${cfg.url}?snippet=${encodeURIComponent(report.editor.snippet)}`);
  const w = page.locator('div[data-community]:not(#yilao)');
  await page.waitForSelector('div[data-community]:not(#yilao)[data-state="ready"], div[data-community]:not(#yilao)[data-state="error"]', { timeout: 30000 });
  report.state = await w.getAttribute('data-state');
  await page.waitForTimeout(300); // let the map's fit animation settle
  await page.screenshot({ path: cfg.screenshot, fullPage: true });
  report.status = await w.locator('.lc-status').textContent();
  report.markers = await w.locator('.lc-marker').count();
  report.listItems = await w.locator('.lc-item').count();
  report.listOrder = await w.locator('.lc-item').evaluateAll((els) => els.map((e) => e.dataset.id));
  report.title = { zh: await w.locator('.lc-title').textContent() };
  report.coverage = { zh: await w.locator('.lc-score').textContent() };
  report.gaps = await w.locator('.lc-missing li').evaluateAll((els) => els.map((e) => e.dataset.category));
  report.gapsOpen = await w.locator('.lc-gaps').evaluate((d) => d.open);
  report.gapsSummary = await w.locator('.lc-gaps summary').textContent();
  report.basemap = await w.getAttribute('data-basemap');
  report.attribution = await w.locator('.leaflet-control-attribution').textContent();
  // The third widget: only services and tags for the elderly and children.
  await page.waitForSelector('#yilao[data-state="ready"], #yilao[data-state="error"]', { timeout: 30000 });
  report.yilao = {
    state: await page.locator('#yilao').getAttribute('data-state'),
    ids: await page.locator('#yilao .lc-marker').evaluateAll((els) => els.map((e) => e.dataset.id).sort()),
    status: await page.locator('#yilao .lc-status').textContent(),
  };
  // The second widget: a compound, in English, two categories only.
  const second = page.locator('#second');
  await page.waitForSelector('#second[data-state="ready"], #second[data-state="error"]', { timeout: 30000 });
  report.second = {
    state: await second.getAttribute('data-state'),
    status: await second.locator('.lc-status').textContent(),
    markers: await second.locator('.lc-marker').count(),
    categories: await second.locator('.lc-marker').evaluateAll((els) => [...new Set(els.map((e) => e.dataset.category))].sort()),
    title: await second.locator('.lc-title').textContent(),
    coverageShown: await second.locator('.lc-coverage').evaluate((el) => !el.hidden && el.childElementCount > 0),
  };

  // A category toggle hides that category's markers and list entries.
  const toggle = w.locator(`.lc-toggle[data-category="${cfg.toggle}"] input`);
  await toggle.uncheck();
  report.afterToggle = {
    markers: await w.locator('.lc-marker').count(),
    markersOfCategory: await w.locator(`.lc-marker[data-category="${cfg.toggle}"]`).count(),
    listItems: await w.locator('.lc-item').count(),
  };
  await toggle.check();
  report.afterToggleBack = await w.locator('.lc-marker').count();

  // A click on the marker opens its popup.
  await w.locator(`.lc-marker[data-id="${cfg.facility}"]`).dispatchEvent('click');
  await w.locator('.lc-popup').waitFor();
  report.popup = { zh: await popup(w) };

  // The list works from the keyboard: focus an entry, press Enter.
  await closePopup(w);
  report.popupsBeforeEnter = await w.locator('.lc-popup').count();
  await w.locator(`.lc-item[data-id="${cfg.facility}"] button`).focus();
  await page.keyboard.press('Enter');
  await w.locator('.lc-popup').waitFor();
  report.popupFromList = await popup(w);

  // The language switch relabels everything.
  await w.locator('.lc-lang').selectOption('en');
  report.title.en = await w.locator('.lc-title').textContent();
  report.coverage.en = await w.locator('.lc-score').textContent();
  report.gapsSummaryEn = await w.locator('.lc-gaps summary').textContent();
  report.legend = await w.locator('.lc-legend legend').textContent();
  await closePopup(w);
  await w.locator(`.lc-item[data-id="${cfg.facility}"] button`).click();
  await w.locator('.lc-popup').waitFor();
  report.popup.en = await popup(w);
  report.listNameEn = await w.locator(`.lc-item[data-id="${cfg.facility}"] .lc-item-name`).textContent();

  // Styles neither leak out of the widget nor in.
  report.hostProbe = await page.evaluate(() => {
    const s = getComputedStyle(document.getElementById('probe'));
    return { background: s.backgroundColor, fontSize: s.fontSize, zIndex: s.zIndex };
  });
  report.widgetButtonBackground = await w.locator('.lc-item-button').first().evaluate((b) => getComputedStyle(b).backgroundColor);
  report.lightDOMLeaflet = await page.evaluate(() => document.querySelectorAll('.leaflet-container:not(#probe)').length +
    [...document.querySelectorAll('style, link')].filter((s) => /leaflet|lc-/.test(s.textContent + (s.href || ''))).length);

  // The facility with phone, services and activities: popup and list.
  report.rich = {};
  for (const lang of ['en', 'zh-Hans']) {
    await w.locator('.lc-lang').selectOption(lang);
    await closePopup(w);
    await w.locator(`.lc-item[data-id="${cfg.rich}"] button`).click();
    await w.locator('.lc-popup').waitFor();
    report.rich[lang] = await details(w);
  }
  report.richList = await w.locator(`.lc-item[data-id="${cfg.rich}"]`).evaluate((li) => ({
    text: li.textContent,
    tel: li.querySelector('a[href^="tel:"]') ? li.querySelector('a[href^="tel:"]').getAttribute('href') : '',
  }));
  // The gaps are one click away.
  await w.locator('.lc-gaps summary').click();
  report.gapsOpenAfterClick = await w.locator('.lc-gaps').evaluate((d) => d.open);

  await w.locator('.lc-lang').selectOption('zh-Hant');
  report.title.hant = await w.locator('.lc-title').textContent();
  report.legendHant = await w.locator('.lc-legend legend').textContent();
  report.focusableInMap = await w.locator('.lc-map a:not([tabindex="-1"]), .lc-map button:not([tabindex="-1"])').count();
  await w.locator('.lc-lang').selectOption('zh-Hans');
  await closePopup(w);
  await w.locator(`.lc-item[data-id="${cfg.facility}"] button`).click();
  await w.locator('.lc-popup').waitFor();
  await page.waitForTimeout(400); // the popup fades in
  await page.screenshot({ path: cfg.screenshot.replace(/\.png$/, '-popup.png'), fullPage: true });

  // Every width from a small phone to a desktop: no sideways scrolling,
  // on the editor and on the district site; on a phone the widget stacks
  // map and list and nothing inside it scrolls.
  report.viewports = [];
  for (const width of [360, 390, 768, 1280]) {
    const vp = await browser.newPage({ viewport: { width, height: 844 }, locale: 'zh-CN' });
    vp.on('pageerror', (e) => report.consoleErrors.push(e.stack || String(e)));
    const v = { width };
    await vp.goto(cfg.editorURL);
    await vp.waitForSelector('#preview [data-lifecircle-widget][data-state="ready"]', { timeout: 30000 });
    await vp.waitForTimeout(300);
    v.editor = await vp.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
    // Form controls inside their fieldsets.
    v.editorOverflowing = await vp.evaluate(() => [...document.querySelectorAll('fieldset input, fieldset select')]
      .filter((el) => { const f = el.closest('fieldset').getBoundingClientRect(); const r = el.getBoundingClientRect(); return r.right > f.right + 0.5 || r.left < f.left - 0.5; })
      .map((el) => el.id));
    if (width === 1280 || width === 390) await vp.screenshot({ path: cfg.screenshot.replace(/\.png$/, `-editor-${width}.png`), fullPage: true });
    await vp.goto(`${cfg.url}?snippet=${encodeURIComponent(report.editor.snippet)}`);
    await vp.waitForSelector('div[data-community]:not(#yilao)[data-state="ready"]', { timeout: 30000 });
    await vp.waitForTimeout(400);
    v.host = await vp.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
    const vw = vp.locator('div[data-community]:not(#yilao)');
    v.layout = await vw.getAttribute('data-layout');
    v.widget = await vw.evaluate((host) => {
      const r = host.shadowRoot;
      const inner = [...r.querySelectorAll('.lc, .lc-body, .lc-side, .lc-list-wrap')]
        .filter((el) => el.scrollHeight > el.clientHeight + 1).map((el) => el.className);
      return { mapHeight: r.querySelector('.lc-map').getBoundingClientRect().height, innerScroll: inner,
        listVisible: r.querySelectorAll('.lc-item').length, height: host.getBoundingClientRect().height };
    });
    if (width === 1280 || width === 390) {
      await vp.screenshot({ path: cfg.screenshot.replace(/\.png$/, `-${width}.png`), fullPage: true });
      // What a phone shows at once, scrolled to the widget.
      await vw.scrollIntoViewIfNeeded();
      await vp.screenshot({ path: cfg.screenshot.replace(/\.png$/, `-${width}-screen.png`) });
    }
    report.viewports.push(v);
    await vp.close();
  }

  // Live: staff create a facility, move one and close one through
  // GraphQL; the open widget follows without a reload.
  if (cfg.live) {
    const L = cfg.live;
    report.live = {};
    await closePopup(w);
    await page.waitForSelector('div[data-community]:not(#yilao)[data-live="live"]', { timeout: 30000 });
    await page.waitForSelector('#yilao[data-live="live"]', { timeout: 30000 });
    await page.waitForTimeout(500); // the server registers the subscription
    const navigations = await page.evaluate(() => performance.getEntriesByType('navigation').length + ':' + performance.timeOrigin);
    const marker = w.locator(`.lc-marker[data-id="${L.move}"]`);
    const before = await marker.evaluate((el) => el.style.transform);
    const created = await gql(L, `mutation($c: ID!, $lat: Float!, $lng: Float!) { createFacility(input: {name: "实时新药店", category: "pharmacy", lat: $lat, lng: $lng, communityID: $c}) { id } }`,
      { c: L.community, lat: L.lat, lng: L.lng });
    const id = created.createFacility.id;
    report.live.created = await w.locator(`.lc-item[data-id="${id}"] .lc-item-name`).textContent({ timeout: 15000 }).catch((e) => `not shown: ${e.message.split('\n')[0]}`);
    report.live.createdMarker = await w.locator(`.lc-marker[data-id="${id}"]`).count();
    report.live.createdLegend = await w.locator('.lc-toggle[data-category="pharmacy"]').textContent();
    await gql(L, `mutation($id: ID!, $lat: Float!, $lng: Float!) { updateFacility(id: $id, input: {lat: $lat, lng: $lng}) { id } }`,
      { id: L.move, lat: L.moveLat, lng: L.moveLng });
    report.live.moved = await page.waitForFunction(([host, id, t]) => {
      const el = document.querySelector(host).shadowRoot.querySelector(`.lc-marker[data-id="${id}"]`);
      return el && el.style.transform !== t;
    }, ['div[data-community]:not(#yilao)', L.move, before], { timeout: 15000 }).then(() => true, () => false);
    await gql(L, `mutation($id: ID!) { updateFacility(id: $id, input: {status: CLOSED}) { id } }`, { id: L.close });
    report.live.closed = await page.waitForFunction(([host, id]) => !document.querySelector(host).shadowRoot.querySelector(`[data-id="${id}"]`),
      ['div[data-community]:not(#yilao)', L.close], { timeout: 15000 }).then(() => true, () => false);
    report.live.markers = await w.locator('.lc-marker').count();
    report.live.listItems = await w.locator('.lc-item').count();
    report.live.reloaded = navigations !== await page.evaluate(() => performance.getEntriesByType('navigation').length + ':' + performance.timeOrigin);
    await page.screenshot({ path: cfg.screenshot.replace(/\.png$/, '-live.png'), fullPage: true });
    // The 一老一少 widget: the pharmacy above was not for it; a canteen
    // for the elderly, created after it, is. Events come in order, so once
    // the canteen is shown the pharmacy's event has been dealt with.
    const yilao = page.locator('#yilao');
    const elderly = await gql(L, `mutation($c: ID!, $lat: Float!, $lng: Float!) { createFacility(input: {name: "实时长者食堂", category: "community_canteen", services: ["老年助餐"], lat: $lat, lng: $lng, communityID: $c}) { id } }`,
      { c: L.community, lat: L.lat - 0.0003, lng: L.lng });
    report.yilao.created = elderly.createFacility.id;
    report.yilao.createdShown = await yilao.locator(`.lc-item[data-id="${report.yilao.created}"] .lc-item-name`).textContent({ timeout: 15000 }).catch((e) => `not shown: ${e.message.split('\n')[0]}`);
    report.yilao.pharmacyShown = await yilao.locator(`[data-id="${id}"]`).count();
    report.yilao.liveIds = await yilao.locator('.lc-marker').evaluateAll((els) => els.map((e) => e.dataset.id).sort());
    report.live.pharmacy = id;
    // Removed from the page, the widget closes its stream.
    report.live.stateBeforeRemoval = await w.getAttribute('data-live');
    const aborted = page.waitForEvent('requestfailed', { predicate: (r) => r.method() === 'POST', timeout: 10000 }).then(() => true, () => false);
    // Removed in the middle of a zoom animation and a wheel turn: Leaflet
    // 1.9.4 would end both on timers after the map is removed (a console
    // error). One task: the zoom's frame and the wheel's 40 ms timer are
    // still pending when the widget goes.
    await w.locator('.leaflet-control-zoom-in').waitFor();
    await page.evaluate(() => {
      const host = document.querySelector('div[data-community]:not(#yilao)');
      const map = host.shadowRoot.querySelector('.leaflet-container');
      const r = map.getBoundingClientRect();
      host.shadowRoot.querySelector('.leaflet-control-zoom-in').click();
      map.dispatchEvent(new WheelEvent('wheel', { deltaY: -120, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true, cancelable: true }));
      host.remove();
    });
    report.live.streamClosedOnRemoval = await aborted;
    await page.waitForTimeout(600); // past the zoom animation's 250 ms timer

    // A stalled stream (a proxy that answers, then falls silent): the
    // watchdog drops it after data-live-idle seconds and the widget resumes.
    if (L.stallAPI) {
      const sp = await context.newPage();
      const snippet = report.editor.snippet.replace('<div ', `<div data-api="${L.stallAPI}" data-live-idle="3" `);
      await sp.goto(`${cfg.url}?snippet=${encodeURIComponent(snippet)}`);
      const host = 'div[data-community]';
      const states = [];
      const seen = async (state) => {
        const ok = await sp.waitForSelector(`${host}[data-live="${state}"]`, { timeout: 20000 }).then(() => true, () => false);
        if (ok) states.push(state);
        return ok;
      };
      (await seen('live')) && (await seen('waiting')) && (await seen('live'));
      report.live.stallStates = states.join(',');
      // No wait for the resumed subscription: the widget resumes after the
      // cursor its data was read at (widget.json's), so a facility
      // committed before the server registers the new stream is replayed.
      const made = await gql(L, `mutation($c: ID!, $lat: Float!, $lng: Float!) { createFacility(input: {name: "停顿后新药店", category: "pharmacy", lat: $lat, lng: $lng, communityID: $c}) { id } }`,
        { c: L.community, lat: L.lat + 0.0001, lng: L.lng });
      report.live.stallCreated = await sp.locator(host).locator(`.lc-item[data-id="${made.createFacility.id}"] .lc-item-name`).textContent({ timeout: 15000 })
        .catch((e) => `not shown: ${e.message.split('\n')[0]}`);
      await sp.close();
    }
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));

async function gql(L, query, variables) {
  const res = await fetch(L.graphqlURL, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${L.token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function closePopup(w) {
  // The close button (a popup may already be fading out after a language switch).
  await w.locator('.leaflet-popup-close-button').dispatchEvent('click', {}, { timeout: 1000 }).catch(() => {});
  await w.locator('.lc-popup').waitFor({ state: 'detached' });
}

async function popup(w) {
  const p = w.locator('.lc-popup');
  return {
    name: await p.locator('.lc-popup-name').textContent(),
    open: await p.locator('.lc-popup-open').textContent(),
    walk: await p.locator('.lc-popup-walk').textContent(),
  };
}

// details reads what the popup of a facility says beyond name and status.
async function details(w) {
  const p = w.locator('.lc-popup');
  const text = async (sel) => ((await p.locator(sel).count()) ? p.locator(sel).textContent() : '');
  return {
    hours: await text('.lc-popup-hours'),
    phone: await text('.lc-popup-phone'),
    tel: (await p.locator('.lc-popup-phone a').count()) ? await p.locator('.lc-popup-phone a').getAttribute('href') : '',
    services: await text('.lc-popup-services'),
    activities: await p.locator('.lc-activities li').allTextContents(),
  };
}
