// node shacl.mjs CATALOG_URL
//
// Validates the DCAT-AP catalogue as a harvester does: the JSON-LD is turned
// into RDF (jsonld, with no remote context: a document whose @context is not
// inline fails) and checked with a SHACL engine (rdf-validate-shacl) against
// the official DCAT-AP 3.0.0 shapes (dcat/dcat-ap-3.0.0-SHACL.ttl). Prints
// every violation; exits 1 on any.
import { readFileSync } from 'node:fs';
import jsonld from 'jsonld';
import { Parser, Store } from 'n3';
import SHACLValidator from 'rdf-validate-shacl';

const url = process.argv[2];
if (!url) {
  console.error('usage: node shacl.mjs CATALOG_URL');
  process.exit(2);
}
const res = await fetch(url);
if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
const doc = await res.json();

// Offline: any context to fetch is an error.
const documentLoader = async (u) => { throw new Error(`the catalogue needs a remote JSON-LD context: ${u}`); };
const nquads = await jsonld.toRDF(doc, { format: 'application/n-quads', documentLoader, safe: true });
const data = new Store(new Parser({ format: 'application/n-quads' }).parse(nquads));
const shapesPath = new URL('./dcat/dcat-ap-3.0.0-SHACL.ttl', import.meta.url);
const shapes = new Store(new Parser({ format: 'text/turtle' }).parse(readFileSync(shapesPath, 'utf8')));

const report = await new SHACLValidator(shapes).validate(data);
const severity = (r) => r.severity?.value?.replace('http://www.w3.org/ns/shacl#', '') ?? 'Violation';
let violations = 0;
for (const r of report.results) {
  const sev = severity(r);
  if (sev === 'Violation') violations++;
  const msg = r.message.map((m) => m.value).join('; ');
  console.log(`${sev}: ${r.focusNode?.value} ${r.path?.value ?? ''}: ${msg} [${r.sourceShape?.value?.split('#').pop()}]${r.value ? ' value ' + r.value.value : ''}`);
}
console.log(`${data.size} triples, ${report.results.length} results, ${violations} violations`);
process.exit(violations ? 1 : 0);
