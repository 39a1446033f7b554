// The widget reads lifecircle's public endpoint only: GET requests (no
// preflight, cacheable by browsers and CDNs), never with credentials, so
// the host page's cookies and the user's session stay out of it.

const PLACE = `query LifecircleWidgetPlace($id: ID!) {
  node(id: $id) {
    __typename
    ... on Region { name nameEn lat lng }
    ... on Compound { name lat lng }
  }
}`;

const CIRCLE = `query LifecircleWidgetCircle($lat: Float!, $lng: Float!, $compound: ID, $point: PointInput, $minutes: Float!, $categories: [String!], $after: Cursor, $first: Int!, $withCircle: Boolean!) {
  circle: serviceCircle(compound: $compound, point: $point, minutes: $minutes) @include(if: $withCircle) {
    polygon
    requiredTotal
    requiredMet
    categories { category { code required labels { lang value } } withinReach requirementMet }
  }
  facilitiesNear(lat: $lat, lng: $lng, walkMinutes: $minutes, categories: $categories, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      walkMinutes
      node {
        id name names { lang value } category lat lng address openingHours openNow
        categoryInfo { group labels { lang value } }
      }
    }
  }
}`;

export class APIError extends Error {}

async function get(endpoint, query, variables) {
  const url = new URL(endpoint);
  url.searchParams.set('query', query);
  url.searchParams.set('variables', JSON.stringify(variables));
  let res;
  try {
    res = await fetch(url, { credentials: 'omit', mode: 'cors', headers: { Accept: 'application/graphql-response+json, application/json' } });
  } catch (e) {
    throw new APIError(`${endpoint}: ${e.message}`);
  }
  let body;
  try {
    body = await res.json();
  } catch (e) {
    throw new APIError(`${endpoint}: HTTP ${res.status}`);
  }
  if (body.errors && body.errors.length) {
    const e = body.errors[0];
    throw new APIError(`${e.message}${e.extensions && e.extensions.code ? ` (${e.extensions.code})` : ''}`);
  }
  return body.data;
}

// load fetches the place (a community or a compound), its walking circle and
// every facility in it, following pages (100 facilities each by default).
export async function load(endpoint, { id, minutes, categories, pageSize }) {
  const place = (await get(endpoint, PLACE, { id })).node;
  if (!place || (place.__typename !== 'Region' && place.__typename !== 'Compound')) {
    throw new APIError(`${id}: no community or compound with this ID`);
  }
  const compound = place.__typename === 'Compound' ? id : null;
  const vars = {
    lat: place.lat,
    lng: place.lng,
    compound,
    point: compound ? null : { lat: place.lat, lng: place.lng },
    minutes,
    categories: categories && categories.length ? categories : null,
    after: null,
    first: pageSize || 100,
    withCircle: true,
  };
  let circle = null;
  const facilities = [];
  for (;;) {
    const data = await get(endpoint, CIRCLE, vars);
    if (data.circle) circle = data.circle;
    for (const e of data.facilitiesNear.edges) facilities.push({ ...e.node, walkMinutes: e.walkMinutes });
    const { hasNextPage, endCursor } = data.facilitiesNear.pageInfo;
    if (!hasNextPage || !endCursor || endCursor === vars.after) break;
    vars.after = endCursor;
    vars.withCircle = false;
  }
  return { place, circle, facilities };
}
