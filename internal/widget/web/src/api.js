// The widget reads lifecircle's public endpoint only, with one GET of
// /open/widget.json: no preflight, never with credentials (the host
// page's cookies and the user's session stay out of it), and cacheable —
// the browser reuses the answer for a minute, then revalidates it with
// its ETag (a 304 costs the visitor's budget 10 points, a load 100).

export class APIError extends Error {}

// load fetches everything the widget shows for a community or compound.
export async function load(endpoint, { id, minutes, categories, services, tags }) {
  const url = new URL('/open/widget.json', endpoint);
  url.searchParams.set('place', id);
  if (minutes !== 15) url.searchParams.set('minutes', String(minutes));
  if (categories && categories.length) url.searchParams.set('categories', categories.slice().sort().join(','));
  if (services && services.length) url.searchParams.set('services', services.slice().sort().join(','));
  if (tags && tags.length) url.searchParams.set('tags', tags.slice().sort().join(','));
  let res;
  try {
    res = await fetch(url, { credentials: 'omit', mode: 'cors', headers: { Accept: 'application/json' } });
  } catch (e) {
    throw new APIError(`${url.origin}: ${e.message}`);
  }
  let body;
  try {
    body = await res.json();
  } catch (e) {
    throw new APIError(`${url.origin}: HTTP ${res.status}`);
  }
  if (body.errors && body.errors.length) {
    const e = body.errors[0];
    throw new APIError(`${e.message}${e.extensions && e.extensions.code ? ` (${e.extensions.code})` : ''}`);
  }
  return body;
}
