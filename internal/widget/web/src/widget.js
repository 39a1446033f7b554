// lifecircle's embeddable 15-minute service-circle map. A district site
// pastes
//
//   <div data-lifecircle-widget data-community="…"></div>
//   <script src="https://<lifecircle>/widget/lifecircle-widget.js" async></script>
//
// and every such element becomes a map of what residents reach on foot,
// with a keyboard- and screen-reader-usable list of the same facilities.
// Everything is drawn inside a shadow root, so no style leaks either way.
import L from 'leaflet';
import leafletCSS from 'leaflet/dist/leaflet.css';
import widgetCSS from './widget.css';
import { LANGS, LANG_NAMES, MESSAGES, groupStyle } from './i18n.js';
import { toGCJ02 } from './gcj02.js';
import { load } from './api.js';
import { subscribe } from './live.js';
import { releaseMap, SafeCanvas } from './release.js';

const script = document.currentScript;
// Below this width (CSS pixels) map and list stack.
const NARROW = 600;
const defaultEndpoint = new URL('/open/graphql', (script && script.src) || location.href).href;

// h builds an element; text goes in as text, never as HTML, since names
// and addresses come from the database.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// normalizeLang maps a BCP 47 tag (any case) to one of the widget's
// languages: Taiwan, Hong Kong and Macao mean Traditional Chinese.
function normalizeLang(tag) {
  const t = String(tag || '').toLowerCase();
  if (t === 'en' || t.startsWith('en-')) return 'en';
  if (t.startsWith('zh-hant') || t === 'zh-tw' || t === 'zh-hk' || t === 'zh-mo') return 'zh-Hant';
  return 'zh-Hans';
}

function escapeHTML(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function options(el) {
  const d = el.dataset;
  const lang = normalizeLang(d.lang);
  const minutes = Number(d.minutes) > 0 && Number(d.minutes) <= 30 ? Number(d.minutes) : 15;
  return {
    id: d.compound || d.community || '',
    lang,
    minutes,
    categories: (d.categories || '').split(',').map((s) => s.trim()).filter(Boolean),
    // data-services / data-tags: facilities offering any of these services
    // or carrying any of these tags (either list matching suffices).
    services: (d.services || '').split(',').map((s) => s.trim()).filter(Boolean),
    tags: (d.tags || '').split(',').map((s) => s.trim()).filter(Boolean),
    height: d.height || '',
    endpoint: d.api || defaultEndpoint,
    tiles: d.tiles || '',
    tilesLabels: d.tilesLabels || '',
    // Leaflet takes attributions as HTML; ours is text.
    tilesAttribution: escapeHTML(d.tilesAttribution || ''),
    tilesSubdomains: d.tilesSubdomains || 'abc',
    gcj02: (d.tilesCrs || '').toLowerCase() === 'gcj02',
    coverage: ['off', 'summary', 'full'].includes(d.coverage) ? d.coverage : 'summary',
    // data-live="off": no subscription, the markers as loaded.
    live: (d.live || '').toLowerCase() !== 'off',
    // data-live-idle: seconds without a byte (not even a keep-alive) after
    // which the live stream is dropped and resumed; default 45.
    liveIdle: Number(d.liveIdle) > 0 ? Number(d.liveIdle) * 1000 : 0,
  };
}

class Widget {
  constructor(host) {
    this.host = host;
    this.opts = options(host);
    this.lang = this.opts.lang;
    this.hidden = new Set();
    this.markers = new Map(); // facility ID → Leaflet marker
    const root = host.shadowRoot || host.attachShadow({ mode: 'open' });
    root.replaceChildren();
    root.append(h('style', {}, leafletCSS + '\n' + widgetCSS));
    if (this.opts.height) host.style.height = /^\d+$/.test(this.opts.height) ? `${this.opts.height}px` : this.opts.height;
    this.wideHeight = host.style.height;
    this.langSelect = h('select', { class: 'lc-lang', onchange: (e) => this.setLang(e.target.value) },
      LANGS.map((l) => h('option', { value: l, selected: l === this.lang }, LANG_NAMES[l])));
    this.titleEl = h('h2', { class: 'lc-title' });
    this.langLabel = h('span');
    this.mapEl = h('div', { class: 'lc-map', 'aria-hidden': 'true' });
    this.coverageEl = h('section', { class: 'lc-coverage' });
    this.legendEl = h('fieldset', { class: 'lc-legend' });
    this.listHead = h('h3');
    this.listEl = h('ol', { class: 'lc-list', role: 'list' });
    this.statusEl = h('p', { class: 'lc-status', role: 'status', 'aria-live': 'polite' });
    this.footEl = h('p', { class: 'lc-foot' });
    this.box = h('div', { class: 'lc' },
      h('header', { class: 'lc-head' }, this.titleEl, h('label', { class: 'lc-lang-label' }, this.langLabel, ' ', this.langSelect)),
      this.statusEl,
      h('div', { class: 'lc-body' },
        this.mapEl,
        h('div', { class: 'lc-side' }, this.coverageEl, this.legendEl, h('section', { class: 'lc-list-wrap' }, this.listHead, this.listEl))),
      this.footEl);
    root.append(this.box);
    this.map = L.map(this.mapEl, { zoomControl: true, keyboard: false, attributionControl: true });
    this.map.attributionControl.setPrefix(false);
    this.tiled = Boolean(this.opts.tiles);
    if (this.opts.tiles) {
      L.tileLayer(this.opts.tiles, { attribution: this.opts.tilesAttribution, subdomains: this.opts.tilesSubdomains, maxZoom: 19 }).addTo(this.map);
      if (this.opts.tilesLabels) L.tileLayer(this.opts.tilesLabels, { subdomains: this.opts.tilesSubdomains, maxZoom: 19 }).addTo(this.map);
    }
    this.layer = L.layerGroup().addTo(this.map);
    // The map is hidden from assistive technology (the list is its
    // accessible view), so nothing in it may take keyboard focus either.
    this.unfocusable();
    this.map.on('popupopen layeradd', () => this.unfocusable());
    this.resizeObserver = new ResizeObserver(() => {
      this.layout();
      this.map.invalidateSize();
    });
    this.resizeObserver.observe(this.mapEl);
    this.resizeObserver.observe(host);
    this.layout();
    this.setState('loading');
    this.renderText();
  }

  t() {
    return MESSAGES[this.lang];
  }

  // layout stacks map and list in a narrow box (a phone): the widget then
  // grows with its content and the page scrolls, never a box inside it.
  layout() {
    const narrow = this.host.clientWidth > 0 && this.host.clientWidth < NARROW;
    if (narrow === this.narrow) return;
    this.narrow = narrow;
    this.host.dataset.layout = narrow ? 'narrow' : 'wide';
    this.host.style.height = narrow ? 'auto' : this.wideHeight;
  }

  unfocusable() {
    for (const el of this.mapEl.querySelectorAll('a, button, [tabindex]')) el.setAttribute('tabindex', '-1');
  }

  // destroy releases the map, for pages that replace a widget.
  destroy() {
    this.destroyed = true;
    if (this.live) this.live.stop();
    this.live = null;
    if (this.resizeObserver) this.resizeObserver.disconnect();
    releaseMap(this.map);
  }

  at(lat, lng) {
    return this.opts.gcj02 ? toGCJ02(lat, lng) : [lat, lng];
  }

  setState(state, detail) {
    this.state = state;
    this.host.dataset.state = state;
    const t = this.t();
    if (state === 'loading') this.statusEl.textContent = t.loading;
    else if (state === 'error') this.statusEl.textContent = t.failed + detail;
    else {
      // A widget showing only some services or tags says so.
      const only = [...this.opts.services, ...this.opts.tags];
      this.statusEl.textContent = t.summary(this.visible().length, this.opts.minutes) + (this.data && this.data.more ? t.more : '') +
        (only.length ? t.filtered(only) : '');
    }
  }

  async start() {
    if (!this.opts.id) {
      this.error = 'data-community or data-compound is missing';
      this.setState('error', this.error);
      return;
    }
    try {
      const data = await load(this.opts.endpoint, this.opts);
      if (this.destroyed) return; // replaced while loading
      this.data = data;
    } catch (e) {
      if (this.destroyed) return;
      this.error = e.message;
      this.setState('error', e.message);
      return;
    }
    this.draw();
    this.renderText();
    this.setState('ready');
    if (this.opts.live) this.listen();
  }

  // listen subscribes to the changes of facilities around the place: the
  // reach polygon's bounding box (or the walk's radius), the widget's
  // categories, services and tags.
  listen() {
    const { place, polygon, minutes } = this.data;
    let bbox;
    if (polygon) {
      const ring = polygon.coordinates[0];
      bbox = { south: Infinity, west: Infinity, north: -Infinity, east: -Infinity };
      for (const [lng, lat] of ring) {
        bbox.south = Math.min(bbox.south, lat);
        bbox.north = Math.max(bbox.north, lat);
        bbox.west = Math.min(bbox.west, lng);
        bbox.east = Math.max(bbox.east, lng);
      }
    } else {
      const r = ((minutes || this.opts.minutes) * WALK_M_PER_MIN) / 111320;
      const rl = r / Math.cos((place.lat * Math.PI) / 180);
      bbox = { south: place.lat - r, north: place.lat + r, west: place.lng - rl, east: place.lng + rl };
    }
    const { categories, services, tags } = this.opts;
    this.live = subscribe(this.opts.endpoint, { bbox, categories, services, tags, idle: this.opts.liveIdle, after: this.data.cursor },
      (e) => this.applyChange(e), (state) => { if (!this.destroyed) this.host.dataset.live = state; });
  }

  // reachable tells whether a facility from an event belongs on the map:
  // not closed, of the widget's categories, services or tags, inside the
  // walk's polygon.
  reachable(f) {
    if (!f || f.status === 'CLOSED') return false;
    if (this.opts.categories.length && !this.opts.categories.includes(f.category)) return false;
    const { services, tags } = this.opts;
    if ((services.length || tags.length) &&
      !(f.services || []).some((v) => services.includes(v)) && !(f.tags || []).some((v) => tags.includes(v))) return false;
    const { polygon, place } = this.data;
    if (polygon) return polygon.coordinates.every((ring, i) => inRing(f.lng, f.lat, ring) === (i === 0));
    return estimateMinutes(place, f) <= this.opts.minutes;
  }

  // applyChange adds, updates, moves or removes one facility's marker and
  // list entry. Walking minutes of a new or moved facility are estimated
  // (straight line × 1.3 at 4.5 km/h, the server's default walk model)
  // until the widget is next loaded.
  applyChange(e) {
    if (this.destroyed || !this.data) return;
    const list = this.data.facilities;
    const i = list.findIndex((x) => x.id === e.id);
    const old = i >= 0 ? list[i] : null;
    const f = e.facility;
    if (!this.reachable(f)) {
      if (!old) return;
      list.splice(i, 1);
      const m = this.markers.get(e.id);
      if (m) this.layer.removeLayer(m);
      this.markers.delete(e.id);
    } else {
      const moved = !old || old.lat !== f.lat || old.lng !== f.lng;
      const next = {
        ...(old || {}),
        id: f.id, name: f.name, category: f.category, lat: f.lat, lng: f.lng,
        names: Object.fromEntries((f.names || []).map((n) => [n.lang, n.value])),
        address: f.address || '', phone: f.phone || '', services: f.services || [], openNow: f.openNow,
        walkMinutes: moved ? estimateMinutes(this.data.place, f) : old.walkMinutes,
      };
      if (old) list[i] = next;
      else list.push(next);
      // A category the widget did not load yet: its labels and group come with the event.
      if (!this.data.categories[f.category] && f.categoryInfo) {
        const labels = Object.fromEntries(f.categoryInfo.labels.map((l) => [l.lang, l.value]));
        this.data.categories[f.category] = { group: f.categoryInfo.group, labels };
      }
      let m = this.markers.get(f.id);
      if (!m) {
        m = this.marker(next);
      } else {
        m.setLatLng(this.at(next.lat, next.lng));
        m.setIcon(this.icon(next));
        const el = m.getElement();
        if (el) Object.assign(el.dataset, { id: next.id, category: next.category });
      }
      m.facility = next;
    }
    this.renderLegend();
    this.renderCoverage();
    this.applyFilter();
  }

  visible() {
    return this.data ? this.data.facilities.filter((f) => !this.hidden.has(f.category)) : [];
  }

  placeName() {
    const p = this.data && this.data.place;
    if (!p) return '';
    return this.lang === 'en' && p.nameEn ? p.nameEn : p.name;
  }

  draw() {
    const { place, polygon, facilities, streets } = this.data;
    const center = this.at(place.lat, place.lng);
    let bounds = L.latLngBounds([center, center]);
    if (!this.tiled && streets && streets.lines.length) {
      // The base map without tiles: the imported walking network's streets.
      const renderer = new SafeCanvas({ padding: 0.2 });
      const lines = streets.lines.map((l) => l.map(([lat, lng]) => this.at(lat, lng)));
      L.polyline(lines, { renderer, color: '#cfc8b8', weight: 5, interactive: false, lineCap: 'round', lineJoin: 'round' }).addTo(this.map);
      L.polyline(lines, { renderer, color: '#ffffff', weight: 3, interactive: false, lineCap: 'round', lineJoin: 'round' }).addTo(this.map);
      this.host.dataset.basemap = 'streets';
      this.attribution();
    } else {
      this.host.dataset.basemap = this.tiled ? 'tiles' : 'plain';
    }
    if (polygon) {
      const ring = polygon.coordinates[0].map(([lng, lat]) => this.at(lat, lng));
      L.polygon(ring, { color: '#b03a2e', weight: 2, dashArray: '6 4', fillColor: '#b03a2e', fillOpacity: 0.05, interactive: false }).addTo(this.map);
      bounds = L.latLngBounds(ring);
    }
    L.marker(center, { icon: L.divIcon({ className: 'lc-center', html: '<span>★</span>', iconSize: [22, 22] }), interactive: false, keyboard: false }).addTo(this.map);
    for (const f of facilities) {
      bounds.extend(this.at(f.lat, f.lng));
      this.marker(f);
    }
    this.map.fitBounds(bounds, { padding: [12, 12] });
    this.applyFilter();
  }

  marker(f) {
    const m = L.marker(this.at(f.lat, f.lng), { icon: this.icon(f), keyboard: false, riseOnHover: true });
    m.facility = f;
    m.bindPopup(() => this.popup(m.facility), { maxWidth: 280 });
    m.on('add', () => {
      const el = m.getElement();
      el.dataset.id = m.facility.id;
      el.dataset.category = m.facility.category;
    });
    this.markers.set(f.id, m);
    return m;
  }

  // attribution credits the streets' source in the current language.
  attribution() {
    if (this.host.dataset.basemap !== 'streets') return;
    const ctl = this.map.attributionControl;
    if (this.credited) ctl.removeAttribution(this.credited);
    this.credited = escapeHTML(this.t().streets);
    ctl.addAttribution(this.credited);
  }

  category(code) {
    return this.data.categories[code] || { group: '', labels: {} };
  }

  categoryLabel(code) {
    const l = this.category(code).labels;
    return l[this.lang] || l['zh-Hans'] || code;
  }

  icon(f) {
    const s = groupStyle(this.category(f.category).group, this.lang);
    const span = h('span', { class: 'lc-pin', style: `background:${s.color}` }, s.glyph);
    return L.divIcon({ className: 'lc-marker', html: span.outerHTML, iconSize: [24, 24], iconAnchor: [12, 12], popupAnchor: [0, -10] });
  }

  openStatus(f) {
    const t = this.t();
    if (f.openNow === true) return { text: t.openNow, cls: 'lc-open' };
    if (f.openNow === false) return { text: t.closedNow, cls: 'lc-closed' };
    return { text: t.hoursUnknown, cls: 'lc-unknown' };
  }

  name(f) {
    const names = f.names || {};
    if (this.lang === 'zh-Hans') return names['zh-Hans'] || f.name;
    return names[this.lang] || f.name;
  }

  hours(f) {
    return f.hours ? f.hours[this.lang] || f.hours['zh-Hans'] : '';
  }

  // phone is a tappable link; in the map it takes no keyboard focus.
  phone(f, inMap) {
    const t = this.t();
    return h('span', { class: 'lc-phone' }, t.phone + this.colon(),
      h('a', { href: `tel:${f.phone.replace(/[^0-9+]/g, '')}`, tabindex: inMap ? '-1' : null }, f.phone));
  }

  services(f) {
    return f.services && f.services.length ? this.t().services + this.colon() + f.services.join(this.lang === 'en' ? ', ' : '、') : '';
  }

  when(a) {
    const locale = { 'zh-Hans': 'zh-CN', 'zh-Hant': 'zh-TW', en: 'en-GB' }[this.lang];
    try {
      return new Intl.DateTimeFormat(locale, { timeZone: 'Asia/Shanghai', month: 'short', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(a.startsAt));
    } catch (e) {
      return a.startsAt.slice(0, 16).replace('T', ' ');
    }
  }

  activities(f, max) {
    if (!f.activities || !f.activities.length) return null;
    return h('div', { class: 'lc-activities' }, h('span', { class: 'lc-activities-head' }, this.t().activities),
      h('ul', {}, f.activities.slice(0, max).map((a) => h('li', {}, h('time', { datetime: a.startsAt }, this.when(a)), ' ', a.title))));
  }

  minutes(f) {
    return Math.max(1, Math.round(f.walkMinutes));
  }

  popup(f) {
    const t = this.t();
    const open = this.openStatus(f);
    return h('div', { class: 'lc-popup', lang: this.lang },
      h('h3', { class: 'lc-popup-name' }, this.name(f)),
      h('p', { class: 'lc-popup-category' }, this.categoryLabel(f.category)),
      h('p', { class: `lc-popup-open ${open.cls}` }, open.text),
      h('p', { class: 'lc-popup-walk' }, t.walk(this.minutes(f))),
      this.hours(f) && h('p', { class: 'lc-popup-hours' }, t.hours + this.colon(), this.hours(f)),
      f.phone && h('p', { class: 'lc-popup-phone' }, this.phone(f, true)),
      f.address && h('p', { class: 'lc-popup-address' }, t.address + this.colon(), f.address),
      this.services(f) && h('p', { class: 'lc-popup-services' }, this.services(f)),
      this.activities(f, 3));
  }

  colon() {
    return this.lang === 'en' ? ': ' : '：';
  }

  applyFilter() {
    for (const f of this.data.facilities) {
      const m = this.markers.get(f.id);
      if (this.hidden.has(f.category)) this.layer.removeLayer(m);
      else this.layer.addLayer(m);
    }
    this.renderList();
    if (this.state === 'ready') this.setState('ready');
  }

  setLang(lang) {
    this.lang = normalizeLang(lang);
    this.langSelect.value = this.lang;
    if (this.data) {
      for (const f of this.data.facilities) this.markers.get(f.id).setIcon(this.icon(f));
      this.map.closePopup();
    }
    this.renderText();
    this.setState(this.state, this.error);
  }

  // renderText redraws everything that depends on the language.
  renderText() {
    const t = this.t();
    this.box.setAttribute('lang', this.lang);
    this.titleEl.textContent = t.title(this.placeName() || '…', this.opts.minutes);
    this.langLabel.textContent = t.language;
    this.mapEl.setAttribute('aria-label', t.map);
    this.listHead.textContent = t.list;
    this.footEl.replaceChildren(`${t.source}: `, h('a', { href: new URL('/open/', this.opts.endpoint).href, target: '_blank', rel: 'noopener' }, 'lifecircle open data'));
    if (!this.data) return;
    this.attribution();
    this.renderCoverage();
    this.renderLegend();
    this.renderList();
  }

  // renderCoverage shows what residents have within reach of the
  // categories the standard asks of a community; what was not found is
  // one click away and, as the standard's rows are not yet verified,
  // called "to be verified", never a failure.
  renderCoverage() {
    const t = this.t();
    const c = this.data.coverage;
    if (this.opts.coverage === 'off' || !c || !c.total) {
      this.coverageEl.replaceChildren();
      this.coverageEl.hidden = true;
      return;
    }
    this.coverageEl.hidden = false;
    const reached = c.categories.filter((x) => x.withinReach > 0);
    const gaps = c.categories.filter((x) => x.withinReach === 0);
    const full = this.opts.coverage === 'full';
    const near = (x) => (x.nearestMinutes !== null ? h('span', { class: 'lc-gap-nearest' }, ` · ${t.nearest(Math.max(1, Math.round(x.nearestMinutes)))}`) : null);
    const item = (x) => h('li', { 'data-category': x.code }, this.categoryLabel(x.code), full ? near(x) : null);
    this.coverageEl.replaceChildren(...[
      h('p', { class: 'lc-score' }, t.reachSummary(reached.length, this.opts.minutes)),
      reached.length ? h('ul', { class: 'lc-met' }, reached.map(item)) : null,
      gaps.length ? h('details', { class: 'lc-gaps', open: full },
        h('summary', {}, t.gapsSummary(gaps.length)),
        h('ul', { class: 'lc-missing' }, gaps.map((x) => h('li', { 'data-category': x.code }, this.categoryLabel(x.code), near(x)))),
        c.toVerify ? h('p', { class: 'lc-note' }, t.toVerifyNote) : null) : null,
    ].filter(Boolean));
  }

  renderLegend() {
    const t = this.t();
    const counts = new Map();
    for (const f of this.data.facilities) {
      const c = counts.get(f.category) || { f, n: 0 };
      c.n++;
      counts.set(f.category, c);
    }
    const rows = [...counts.entries()].map(([code, { f, n }]) => {
      const s = groupStyle(this.category(code).group, this.lang);
      const label = this.categoryLabel(code);
      return h('label', { class: 'lc-toggle', 'data-category': code },
        h('input', { type: 'checkbox', checked: !this.hidden.has(code), 'aria-label': t.show(label), onchange: (e) => this.toggle(code, e.target.checked) }),
        h('span', { class: 'lc-pin', style: `background:${s.color}`, 'aria-hidden': 'true' }, s.glyph),
        h('span', {}, `${label} (${n})`));
    });
    this.legendEl.replaceChildren(h('legend', {}, t.legend), ...rows);
  }

  toggle(code, on) {
    if (on) this.hidden.delete(code);
    else this.hidden.add(code);
    this.applyFilter();
  }

  renderList() {
    const t = this.t();
    const items = this.visible().slice().sort((a, b) => a.walkMinutes - b.walkMinutes);
    if (!items.length) {
      this.listEl.replaceChildren(h('li', { class: 'lc-empty' }, t.empty));
      return;
    }
    this.listEl.replaceChildren(...items.map((f) => {
      const open = this.openStatus(f);
      const next = f.activities && f.activities[0];
      return h('li', { class: 'lc-item', 'data-id': f.id, 'data-category': f.category },
        h('button', { type: 'button', class: 'lc-item-button', onclick: () => this.focus(f) },
          h('span', { class: 'lc-item-name' }, this.name(f)),
          h('span', { class: 'lc-item-walk' }, t.minutes(this.minutes(f)))),
        h('span', { class: 'lc-item-detail' },
          [this.categoryLabel(f.category), h('span', { class: open.cls }, open.text), this.hours(f)].filter(Boolean)
            .flatMap((x, i) => (i ? [' · ', x] : [x]))),
        f.phone && h('span', { class: 'lc-item-detail' }, this.phone(f, false)),
        this.services(f) && h('span', { class: 'lc-item-detail' }, this.services(f)),
        next && h('span', { class: 'lc-item-detail lc-item-next' }, t.next + this.colon(), h('time', { datetime: next.startsAt }, this.when(next)), ' ', next.title));
    }));
  }

  // focus shows a facility chosen in the list on the map.
  focus(f) {
    const m = this.markers.get(f.id);
    this.map.setView(m.getLatLng(), Math.max(this.map.getZoom(), 16));
    m.openPopup();
  }
}

// Walking speed of the server's default walk model (4.5 km/h) and its
// detour factor over the straight line.
const WALK_M_PER_MIN = 75;
const CIRCUITY = 1.3;

function estimateMinutes(place, f) {
  const rad = Math.PI / 180;
  const dlat = (f.lat - place.lat) * rad;
  const dlng = (f.lng - place.lng) * rad;
  const a = Math.sin(dlat / 2) ** 2 + Math.cos(place.lat * rad) * Math.cos(f.lat * rad) * Math.sin(dlng / 2) ** 2;
  const metres = 2 * 6371008.8 * Math.asin(Math.sqrt(a));
  return (metres * CIRCUITY) / WALK_M_PER_MIN;
}

// inRing: is (x, y) inside a GeoJSON ring of [lng, lat] (even-odd rule)?
function inRing(x, y, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const mounted = new Set();

function mountAll() {
  for (const el of document.querySelectorAll('[data-lifecircle-widget]')) {
    if (el.lifecircleWidget) continue;
    const w = new Widget(el);
    el.lifecircleWidget = w;
    mounted.add(w);
    w.start();
  }
}

// A widget removed from the page stops listening and releases its map.
new MutationObserver(() => {
  for (const w of mounted) {
    if (w.destroyed) mounted.delete(w);
    else if (!w.host.isConnected) {
      mounted.delete(w);
      w.destroy();
    }
  }
}).observe(document.documentElement, { childList: true, subtree: true });

// Pages that add the element later (single-page apps) call
// LifecircleWidget.mount().
window.LifecircleWidget = { mount: mountAll };
// An async script may run before the parser reaches later elements: mount
// what is there now and the rest once the document is parsed.
mountAll();
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mountAll);
