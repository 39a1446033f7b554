// Bundles the widget (Leaflet included, CSS as strings for the shadow root)
// into one minified script that the Go server embeds. The output is
// committed; scripts/test rebuilds it and fails when it differs.
//
//   npm ci && npm run build [-- outdir]
import { build } from 'esbuild';

const outdir = process.argv[2] || '../dist';
await build({
  entryPoints: ['src/widget.js'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  loader: { '.css': 'text' },
  legalComments: 'eof',
  charset: 'utf8',
  outfile: `${outdir}/lifecircle-widget.js`,
  logLevel: 'warning',
});
