// Builds dist/: the CLI as one bundled ESM file (plus lazily loaded chunks) and the typed library entry.
// It builds into a fresh folder and swaps it in, so a bce already running from dist/ is not disturbed.
import { build } from 'esbuild';
import { readFileSync, renameSync, rmSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const out = `dist.tmp-${process.pid}`;
rmSync(out, { recursive: true, force: true });

const base = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
};

// The kernel's worker thread (src/kernel-worker.ts), bundled into a string that src/parallel.ts starts
// with `new Worker(source, { eval: true })`: no extra file to locate at run time.
const worker = await build({ ...base, entryPoints: ['src/kernel-worker.ts'], format: 'cjs', minify: true, write: false });

const common = {
  ...base,
  format: 'esm',
  define: {
    __BCE_VERSION__: JSON.stringify(pkg.version),
    __BCE_KERNEL_WORKER__: JSON.stringify(worker.outputFiles[0].text),
  },
};

// The CLI: entry chunk cli.js, with rarely needed modules (csv-parse, chalk, the table writer) split off
// into chunks that load only when used. Node resolves the chunks relative to dist/.
const cli = await build({
  ...common,
  entryPoints: { cli: 'src/main.ts' },
  outdir: out,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  minifyWhitespace: true,
  minifySyntax: true,
  // commander is CommonJS: give the bundle a require() for its node: built-ins
  banner: { js: "import { createRequire as __bceCreateRequire } from 'node:module'; const require = __bceCreateRequire(import.meta.url);" },
  metafile: true,
});
if (process.env.BCE_BUILD_ANALYZE) {
  console.log(Object.entries(cli.metafile.outputs).map(([f, o]) => `${f} ${o.bytes}`).join('\n'));
}

// The library: dist/index.js and its declarations.
await build({ ...common, entryPoints: { index: 'src/index.ts' }, outdir: out, packages: 'external' });
execFileSync(
  process.execPath,
  [
    'node_modules/typescript/bin/tsc', 'src/index.ts',
    '--declaration', '--emitDeclarationOnly', '--outDir', out, '--rootDir', 'src',
    '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
    '--strict', '--skipLibCheck', '--types', 'node', '--verbatimModuleSyntax',
  ],
  { stdio: 'inherit' },
);

const old = `dist.old-${process.pid}`;
if (existsSync('dist')) renameSync('dist', old);
renameSync(out, 'dist');
rmSync(old, { recursive: true, force: true });
