// Runs the graphql-http audit suite (GraphQL over HTTP spec) against URL and
// exits non-zero on any error. Warnings are printed; the README explains them.
import { auditServer } from 'graphql-http';
const url = process.argv[2];
const results = await auditServer({ url });
let errors = 0, warnings = 0;
for (const r of results) {
  if (r.status === 'error') { errors++; console.log('ERROR', r.id, r.name, '-', r.reason); }
  else if (r.status === 'warn') { warnings++; console.log('WARN ', r.id, r.name, '-', r.reason); }
}
console.log(`${results.length} checks, ${errors} errors, ${warnings} warnings`);
process.exit(errors ? 1 : 0);
