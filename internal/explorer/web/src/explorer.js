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
      defaultTabs: tabs,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultTheme: 'light',
    },
    h(GraphiQL.Logo, null, h('span', { className: 'lc-logo' }, 'lifecircle')),
  ),
);
