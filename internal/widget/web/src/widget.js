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
import { LANGS, LANG_NAMES, MESSAGES, groupStyle, pick } from './i18n.js';
import { toGCJ02 } from './gcj02.js';
import { load } from './api.js';

const script = document.currentScript;
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
    height: d.height || '',
    endpoint: d.api || defaultEndpoint,
    tiles: d.tiles || '',
    tilesLabels: d.tilesLabels || '',
    // Leaflet takes attributions as HTML; ours is text.
    tilesAttribution: escapeHTML(d.tilesAttribution || ''),
    pageSize: Number(d.pageSize) >= 1 && Number(d.pageSize) <= 100 ? Number(d.pageSize) : 100,
    tilesSubdomains: d.tilesSubdomains || 'abc',
    gcj02: (d.tilesCrs || '').toLowerCase() === 'gcj02',
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
    if (this.opts.tiles) {
      L.tileLayer(this.opts.tiles, { attribution: this.opts.tilesAttribution, subdomains: this.opts.tilesSubdomains, maxZoom: 19 }).addTo(this.map);
      if (this.opts.tilesLabels) L.tileLayer(this.opts.tilesLabels, { subdomains: this.opts.tilesSubdomains, maxZoom: 19 }).addTo(this.map);
    }
    this.layer = L.layerGroup().addTo(this.map);
    // The map is hidden from assistive technology (the list is its
    // accessible view), so nothing in it may take keyboard focus either.
    this.unfocusable();
    this.map.on('popupopen layeradd', () => this.unfocusable());
    this.resizeObserver = new ResizeObserver(() => this.map.invalidateSize());
    this.resizeObserver.observe(this.mapEl);
    this.setState('loading');
    this.renderText();
  }

  t() {
    return MESSAGES[this.lang];
  }

  unfocusable() {
    for (const el of this.mapEl.querySelectorAll('a, button, [tabindex]')) el.setAttribute('tabindex', '-1');
  }

  // destroy releases the map, for pages that replace a widget.
  destroy() {
    this.destroyed = true;
    if (this.resizeObserver) this.resizeObserver.disconnect();
    this.map.stop();
    this.map.remove();
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
    else this.statusEl.textContent = t.summary(this.visible().length, this.opts.minutes);
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
    const { place, circle, facilities } = this.data;
    const center = this.at(place.lat, place.lng);
    let bounds = L.latLngBounds([center, center]);
    if (circle && circle.polygon) {
      const ring = circle.polygon.coordinates[0].map(([lng, lat]) => this.at(lat, lng));
      L.polygon(ring, { color: '#c0392b', weight: 2, fillColor: '#c0392b', fillOpacity: 0.06, interactive: false }).addTo(this.map);
      bounds = L.latLngBounds(ring);
    }
    L.marker(center, { icon: L.divIcon({ className: 'lc-center', html: '<span>★</span>', iconSize: [22, 22] }), interactive: false, keyboard: false }).addTo(this.map);
    for (const f of facilities) {
      bounds.extend(this.at(f.lat, f.lng));
      const m = L.marker(this.at(f.lat, f.lng), { icon: this.icon(f), keyboard: false, riseOnHover: true });
      m.bindPopup(() => this.popup(f), { maxWidth: 260 });
      m.on('add', () => {
        const el = m.getElement();
        el.dataset.id = f.id;
        el.dataset.category = f.category;
      });
      this.markers.set(f.id, m);
    }
    this.map.fitBounds(bounds, { padding: [12, 12] });
    this.applyFilter();
  }

  icon(f) {
    const s = groupStyle(f.categoryInfo.group, this.lang);
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
    return pick(f.names, this.lang, this.lang === 'zh-Hans' ? f.name : '') || f.name;
  }

  minutes(f) {
    return Math.max(1, Math.round(f.walkMinutes));
  }

  popup(f) {
    const t = this.t();
    const open = this.openStatus(f);
    return h('div', { class: 'lc-popup', lang: this.lang },
      h('h3', { class: 'lc-popup-name' }, this.name(f)),
      h('p', { class: 'lc-popup-category' }, pick(f.categoryInfo.labels, this.lang)),
      h('p', { class: `lc-popup-open ${open.cls}` }, open.text),
      h('p', { class: 'lc-popup-walk' }, t.walk(this.minutes(f))),
      f.address && h('p', { class: 'lc-popup-address' }, t.address + this.colon(), f.address),
      f.openingHours && h('p', { class: 'lc-popup-hours' }, t.hours + this.colon(), f.openingHours));
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
    this.renderCoverage();
    this.renderLegend();
    this.renderList();
  }

  renderCoverage() {
    const t = this.t();
    const c = this.data.circle;
    if (!c) {
      this.coverageEl.replaceChildren();
      return;
    }
    const required = c.categories.filter((x) => x.category.required && x.requirementMet !== null);
    const label = (x) => pick(x.category.labels, this.lang);
    const met = required.filter((x) => x.requirementMet);
    const missing = required.filter((x) => !x.requirementMet);
    const list = (cls, items) => (items.length ? h('ul', { class: cls }, items.map((x) => h('li', { 'data-category': x.category.code }, label(x)))) : h('p', {}, t.none));
    this.coverageEl.replaceChildren(
      h('h3', {}, t.coverage),
      h('p', { class: 'lc-score' }, t.coverageScore(c.requiredMet, c.requiredTotal)),
      h('h4', {}, `${t.missing} (${missing.length})`), list('lc-missing', missing),
      h('h4', {}, `${t.reachable} (${met.length})`), list('lc-met', met));
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
      const s = groupStyle(f.categoryInfo.group, this.lang);
      const label = pick(f.categoryInfo.labels, this.lang);
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
      return h('li', { class: 'lc-item', 'data-id': f.id, 'data-category': f.category },
        h('button', { type: 'button', class: 'lc-item-button', onclick: () => this.focus(f) },
          h('span', { class: 'lc-item-name' }, this.name(f)),
          h('span', { class: 'lc-item-walk' }, t.minutes(this.minutes(f)))),
        h('span', { class: 'lc-item-detail' },
          [pick(f.categoryInfo.labels, this.lang), open.text, f.address, f.openingHours && t.hours + this.colon() + f.openingHours].filter(Boolean).join(' · ')));
    }));
  }

  // focus shows a facility chosen in the list on the map.
  focus(f) {
    const m = this.markers.get(f.id);
    this.map.setView(m.getLatLng(), Math.max(this.map.getZoom(), 16));
    m.openPopup();
  }
}

function mountAll() {
  for (const el of document.querySelectorAll('[data-lifecircle-widget]')) {
    if (el.lifecircleWidget) continue;
    const w = new Widget(el);
    el.lifecircleWidget = w;
    w.start();
  }
}

// Pages that add the element later (single-page apps) call
// LifecircleWidget.mount().
window.LifecircleWidget = { mount: mountAll };
// An async script may run before the parser reaches later elements: mount
// what is there now and the rest once the document is parsed.
mountAll();
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mountAll);
