// Bundles GraphiQL (React, CodeMirror, the doc explorer and history
// plugins) into one minified script and one stylesheet that the Go server
// embeds and serves at /, so the explorer needs no outside network. The
// output is committed; scripts/test rebuilds it and fails when it differs.
//
//   npm ci && npm run build [-- outdir]
import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';

const outdir = process.argv[2] || '../dist';

// GraphiQL's stylesheet carries Roboto and Fira Code as 34 base64 @font-face
// rules (360 KB). The page uses the system's fonts instead, which also
// cover Chinese, so those rules are dropped.
const dropFontFaces = {
  name: 'drop-font-faces',
  setup(b) {
    b.onLoad({ filter: /graphiql[\\/]dist[\\/]style\.css$/ }, async (args) => {
      const css = await readFile(args.path, 'utf8');
      return { contents: css.replace(/@font-face\s*{[^}]*}/g, ''), loader: 'css' };
    });
  },
};

await build({
  entryPoints: ['src/explorer.js', 'src/explorer.css'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'eof',
  charset: 'utf8',
  outdir,
  plugins: [dropFontFaces],
  logLevel: 'warning',
});
