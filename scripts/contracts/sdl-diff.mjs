// node sdl-diff.mjs SDL_URL GRAPHQL_URL...
//
// Builds a schema from the downloadable SDL file and one from the standard
// introspection query on each GraphQL endpoint, as graphql-inspector and
// code generators do, and fails on any difference: every type, field,
// argument, input field, enum value and directive, their types, default
// values, deprecations and descriptions (printSchema of both, sorted), the
// built-in directives printSchema leaves out, and graphql-js's breaking and
// dangerous changes in both directions.
import {
  buildClientSchema, buildSchema, findBreakingChanges, findDangerousChanges, getIntrospectionQuery,
  lexicographicSortSchema, printSchema, print, astFromValue,
} from 'graphql';

const [sdlURL, ...endpoints] = process.argv.slice(2);
if (!sdlURL || endpoints.length === 0) {
  console.error('usage: node sdl-diff.mjs SDL_URL GRAPHQL_URL...');
  process.exit(2);
}

const res = await fetch(sdlURL);
if (!res.ok) throw new Error(`GET ${sdlURL}: ${res.status}`);
const fromFile = buildSchema(await res.text());

// Directives described in full: printSchema omits the specified ones.
function directives(schema) {
  return schema.getDirectives().map((d) => JSON.stringify({
    name: d.name, description: d.description ?? null, repeatable: d.isRepeatable, locations: [...d.locations].sort(),
    args: d.args.map((a) => ({
      name: a.name, type: String(a.type), description: a.description ?? null,
      default: a.defaultValue === undefined ? null : print(astFromValue(a.defaultValue, a.type)),
      deprecated: a.deprecationReason ?? null,
    })),
  })).sort();
}

function lineDiff(a, b) {
  const al = a.split('\n'), bl = b.split('\n');
  const out = [];
  for (let i = 0; i < Math.max(al.length, bl.length) && out.length < 40; i++) {
    if (al[i] !== bl[i]) out.push(`line ${i + 1}:\n  file:          ${al[i]}\n  introspection: ${bl[i]}`);
  }
  return out.join('\n');
}

let failed = 0;
const fail = (msg) => { failed++; console.log(msg); };
for (const url of endpoints) {
  const query = getIntrospectionQuery({
    descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true,
    inputValueDeprecation: true, oneOf: true,
  });
  const r = await fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query }),
  });
  const body = await r.json();
  if (!r.ok || body.errors || !body.data) {
    fail(`${url}: introspection failed: ${r.status} ${JSON.stringify(body).slice(0, 500)}`);
    continue;
  }
  const live = buildClientSchema(body.data);
  const a = printSchema(lexicographicSortSchema(fromFile));
  const b = printSchema(lexicographicSortSchema(live));
  if (a !== b) fail(`${url}: the SDL file and introspection differ:\n${lineDiff(a, b)}`);
  const da = directives(fromFile), db = directives(live);
  for (const d of da) if (!db.includes(d)) fail(`${url}: directive in the file only (or different): ${d}`);
  for (const d of db) if (!da.includes(d)) fail(`${url}: directive in introspection only (or different): ${d}`);
  for (const [name, from, to] of [['file → introspection', fromFile, live], ['introspection → file', live, fromFile]]) {
    for (const c of [...findBreakingChanges(from, to), ...findDangerousChanges(from, to)]) {
      fail(`${url}: ${name}: ${c.type}: ${c.description}`);
    }
  }
  if (!failed) console.log(`${url}: the SDL file equals introspection (${Object.keys(live.getTypeMap()).length} types, ${live.getDirectives().length} directives)`);
}
process.exit(failed ? 1 : 0);
