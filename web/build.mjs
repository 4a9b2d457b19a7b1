// Builds the dashboard into dist/: one bundled, minified JS and CSS file with content hashes in
// their names (served with long cache lifetimes by tansod under /assets/), and index.html that
// names them. No CDN: everything the page loads comes from the node.
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

const out = 'dist';
rmSync(out, { recursive: true, force: true });
mkdirSync(out + '/assets', { recursive: true });
const result = await esbuild.build({
  entryPoints: ['src/main.jsx'],
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: out + '/assets',
  entryNames: 'app-[hash]',
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
const files = Object.keys(result.metafile.outputs).map((f) => basename(f));
const js = files.find((f) => f.endsWith('.js'));
const css = files.find((f) => f.endsWith('.css'));
if (!js || !css) throw new Error('esbuild wrote no JS or CSS: ' + files.join(', '));
const html = readFileSync('index.html', 'utf8').replace('{{js}}', js).replace('{{css}}', css);
writeFileSync(out + '/index.html', html);
let total = 0;
for (const [f, o] of Object.entries(result.metafile.outputs)) total += o.bytes;
console.log(`dashboard: ${out}/index.html, ${files.join(', ')} (${Math.round(total / 1024)} KiB)`);
