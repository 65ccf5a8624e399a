/**
 * bin/bce.cjs starts the bundle with V8's code cache when it can, and without it otherwise: a missing,
 * stale or corrupt dist/cli.cache must never change what bce does. Runs the built CLI (npm test builds).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedReference } from './helpers/numbers.js';

const root = new URL('..', import.meta.url).pathname;
const seed = join(root, 'fixtures/examples/seed.json');

/** A copy of bin/bce.cjs and dist/cli.cjs in a temp dir, with the given cache (or none). */
function install(cache: Buffer | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'bce-startup-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'dist'));
  copyFileSync(join(root, 'bin/bce.cjs'), join(dir, 'bin/bce.cjs'));
  copyFileSync(join(root, 'dist/cli.cjs'), join(dir, 'dist/cli.cjs'));
  if (cache) writeFileSync(join(dir, 'dist/cli.cache'), cache);
  return dir;
}

function run(dir: string) {
  return spawnSync(process.execPath, [join(dir, 'bin/bce.cjs'), seed, '--json'], { encoding: 'utf8' });
}

describe('start-up with and without the code cache', () => {
  const expected = `{"reduction": "mean", "shape": [2, 3], "loss": ${seedReference().mean}}`;

  it('the build made a cache, and bce runs with it', () => {
    expect(existsSync(join(root, 'dist/cli.cache'))).toBe(true);
    const r = spawnSync(process.execPath, [join(root, 'bin/bce.cjs'), seed, '--json'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(expected);
  });

  for (const [name, cache] of [
    ['no cache', undefined],
    ['a corrupt cache', Buffer.from('not a V8 code cache at all')],
    ['a cache of other code', Buffer.alloc(4096, 7)],
  ] as const) {
    it(`${name}: the same output`, () => {
      const dir = install(cache);
      try {
        const r = run(dir);
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        expect(r.stdout.trim()).toBe(expected);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('bin/bce.js, the ES module path, runs the same CLI', () => {
    const r = spawnSync(process.execPath, [join(root, 'bin/bce.js'), seed, '--json'], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe(expected);
    expect(readFileSync(join(root, 'package.json'), 'utf8')).toContain('"bce": "bin/bce.cjs"');
  });
});
