// The explorer at /: GraphiQL with the server's example operations as tabs.
// Everything it needs is in this bundle and explorer.css; it talks to
// /graphql on its own origin and nothing else.
import { createRoot } from 'react-dom/client';
import { createElement as h } from 'react';
import { GraphiQL } from 'graphiql';

// The server writes the examples into the page (internal/explorer/examples.go),
// so they change without rebuilding the bundle.
const config = JSON.parse(document.getElementById('explorer-config').textContent);

// A header value the user still has to replace: the staff tab's template.
const PLACEHOLDER = config.tokenPlaceholder;

function result(message, code) {
  return { errors: [{ message, extensions: { code } }] };
}

// fetcher posts one operation to the endpoint with the headers of the
// active tab. Answers that are not JSON (a proxy's error page) become a
// GraphQL error the response pane can show.
async function fetcher(params, opts) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json, application/json' };
  for (const [k, v] of Object.entries((opts && opts.headers) || {})) {
    if (typeof v !== 'string') continue;
    if (PLACEHOLDER && v.includes(PLACEHOLDER)) {
      // Schema loading works without a token; anything else would be a
      // wasted 401 that also counts against this address.
      if (params.operationName === 'IntrospectionQuery') continue;
      return result(config.text.replaceToken, 'UNAUTHENTICATED');
    }
    headers[k] = v;
  }
  let res;
  try {
    res = await fetch(config.endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify(params),
      credentials: 'omit',
    });
  } catch (e) {
    return result(`${config.text.networkError}: ${e.message}`, 'NETWORK_ERROR');
  }
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return result(`HTTP ${res.status}: ${text.slice(0, 300)}`, 'BAD_RESPONSE');
  }
}

// GraphiQL keeps its tabs for the browser tab's session only: a reload
// keeps them, a new visit starts from the examples again, the staff tab's
// header template included (GraphiQL never stores headers, so a kept staff
// tab would have lost it). Query history and settings stay in localStorage.
const SESSION_KEYS = /^graphiql:(tabState|query|variables|headers|operationName)$/;
function area(key) {
  try {
    return SESSION_KEYS.test(key) ? window.sessionStorage : window.localStorage;
  } catch {
    return null; // storage disabled: GraphiQL works without it
  }
}
function ownKeys(a) {
  const keys = [];
  for (let i = 0; a && i < a.length; i++) if (a.key(i).startsWith('graphiql:')) keys.push(a.key(i));
  return keys;
}
// GraphiQL's history plugin stores each run's headers with its query, in
// localStorage, whatever shouldPersistHeaders says: a staff token would
// outlive the visit. History is kept without headers.
const HISTORY_KEYS = /^graphiql:(queries|favorites)$/;
function withoutHeaders(value) {
  try {
    return JSON.stringify(JSON.parse(value), (k, v) => (k === 'headers' ? undefined : v));
  } catch {
    return null;
  }
}
const storage = {
  getItem: (k) => { const a = area(k); return a ? a.getItem(k) : null; },
  setItem: (k, v) => {
    const a = area(k);
    if (!a) return;
    if (HISTORY_KEYS.test(k)) v = withoutHeaders(v);
    if (v === null) a.removeItem(k); else a.setItem(k, v);
  },
  removeItem: (k) => { const a = area(k); if (a) a.removeItem(k); },
  get length() { return ownKeys(area('graphiql:tabState')).length + ownKeys(area('graphiql:history')).length; },
  clear() {
    for (const a of [area('graphiql:tabState'), area('graphiql:history')]) for (const k of ownKeys(a)) a.removeItem(k);
  },
};

const tabs = config.examples.map((e) => ({
  query: e.query,
  variables: e.variables || undefined,
  headers: e.headers || undefined,
}));

createRoot(document.getElementById('graphiql')).render(
  h(
    GraphiQL,
    {
      fetcher,
      storage,
      defaultTabs: tabs,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultTheme: 'light',
    },
    h(GraphiQL.Logo, null, h('span', { className: 'lc-logo' }, 'lifecircle')),
  ),
);
