/**
 * The library entry (dist/index.js) carries no CLI dependency: no zod, commander or chalk, whether bundled
 * in or imported. Checked on the built file (npm test builds first) and on a fresh build of src/index.ts,
 * so that neither a stale dist/ nor a change since the build hides one.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const CLI_PACKAGES = /^(zod|commander|chalk)(\/|$)/;

/** The module specifiers a bundle imports, and the package paths bundled into it. */
function dependencies(code: string): string[] {
  const specifiers = [...code.matchAll(/(?:from|import|require)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1]);
  const bundled = [...code.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].map((m) => m[1]);
  return [...specifiers, ...bundled];
}

describe('the library entry has no CLI dependency', () => {
  it('the dependency scan sees a CLI package when there is one', () => {
    expect(dependencies('import * as z from "zod/mini";\nimport { Worker } from "node:worker_threads";')).toEqual(['zod/mini', 'node:worker_threads']);
    expect(dependencies('// node_modules/chalk/source/index.js').filter((d) => CLI_PACKAGES.test(d))).toEqual(['chalk']);
  });

  it('dist/index.js', () => {
    const code = readFileSync(`${root}dist/index.js`, 'utf8');
    expect(dependencies(code).filter((d) => CLI_PACKAGES.test(d))).toEqual([]);
    expect(code).not.toMatch(/\bzod\b|\bcommander\b|\bchalk\b/);
  });

  it('a fresh build of src/index.ts: no CLI package and no module of src/cli', async () => {
    const r = await build({
      entryPoints: [`${root}src/index.ts`],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      write: false,
      metafile: true,
      logLevel: 'silent',
      define: { __BCE_KERNEL_WORKER__: '""', __BCE_VERSION__: '"0"' },
    });
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs.some((f) => f.endsWith('src/index.ts'))).toBe(true);
    expect(inputs.filter((f) => /src\/cli\/|src\/run\.ts|src\/main\.ts/.test(f))).toEqual([]);
    const imports = Object.values(r.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports.filter((p) => CLI_PACKAGES.test(p))).toEqual([]);
  });
});
