// Builds dist/: the CLI as one bundled ESM file (plus lazily loaded chunks) and the typed library entry.
// It builds into a fresh folder and swaps it in, so a bce already running from dist/ is not disturbed.
import { build } from 'esbuild';
import { readFileSync, renameSync, rmSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { writeWasm } from './build-wasm.mjs';

// The WebAssembly kernel: src/core/wasm/kernel.wat assembled into kernel.wasm and the module that embeds it.
await writeWasm();

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

// The CLI: one CommonJS file, dist/cli.cjs, started by bin/bce.cjs. CommonJS because Node starts it faster
// than an ES module (no ESM loader) and because it can be compiled from V8's code cache (below). Modules
// that a run rarely needs (csv-parse, chalk, the writers) are dynamic imports: esbuild wraps each in a
// function that runs only when the import does.
//
// Node built-ins that a plain run never calls, required lazily: commander's child_process (for executable
// subcommands, which bce has none of), fs/promises (--output), worker_threads and os (the kernel's threads,
// for big inputs). Required eagerly they cost ~3 ms of start-up. Each becomes a module of wrappers that
// require the real one on first use. (A dynamic import() would not do: bin/bce.cjs runs the bundle as a
// vm.Script, which has no ES module loader.)
const LAZY = ['child_process', 'fs/promises', 'worker_threads', 'os'];
const LAZY_BUILTINS = new Set(LAZY.flatMap((m) => [m, `node:${m}`]));
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?(child_process|fs\/promises|worker_threads|os)$/ }, (args) =>
      LAZY_BUILTINS.has(args.path) && args.namespace !== 'lazy-builtin' ? { path: args.path, namespace: 'lazy-builtin' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (args) => {
      const id = args.path.startsWith('node:') ? args.path : `node:${args.path}`;
      const real = await import(id);
      // one wrapper per function the module exports; the module itself is required on the first call
      const names = Object.keys(real).filter((k) => k !== 'default' && typeof real[k] === 'function');
      const contents = [
        `let mod; const real = () => (mod ??= require(${JSON.stringify(id)}));`,
        ...names.map((k) => `export function ${k}(...a) { return new.target ? Reflect.construct(real().${k}, a) : real().${k}.apply(this, a); }`),
        // the default import (\`import os from 'node:os'\`): the same wrappers, and getters for the other values
        `export default { ${[...names, ...Object.keys(real).filter((k) => k !== 'default' && typeof real[k] !== 'function').map((k) => `get ${k}() { return real().${k}; }`)].join(', ')} };`,
      ].join('\n');
      return { contents, loader: 'js' };
    });
  },
};

const cli = await build({
  ...common,
  plugins: [lazyBuiltins],
  format: 'cjs',
  entryPoints: { cli: 'src/main.ts' },
  outdir: out,
  outExtension: { '.js': '.cjs' },
  minifyWhitespace: true,
  minifySyntax: true,
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

// V8's code cache for dist/cli.cjs: bin/bce.cjs compiles the bundle with it, which skips most of the
// parsing and compiling of a run (~10 ms of start-up here). Made by running the example once with this
// Node, so it holds the functions a run compiles. V8 rejects a cache made by another Node or V8 version
// or other V8 flags, and bin/bce.cjs then compiles from source, as it does when the file is missing.
try {
  execFileSync(process.execPath, ['bin/bce.cjs', 'fixtures/examples/seed.json'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, BCE_WRITE_CODE_CACHE: '1' },
  });
} catch (e) {
  console.warn(`build: no code cache for dist/cli.cjs (${e.message}); the CLI works without it`);
}
