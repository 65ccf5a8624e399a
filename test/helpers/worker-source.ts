/** The kernel worker as the build bundles it (the tests run from src/, where no bundled source exists). */
import { buildSync } from 'esbuild';

export const workerSource = buildSync({
  entryPoints: [new URL('../../src/kernel-worker.ts', import.meta.url).pathname],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  write: false,
  logLevel: 'silent',
}).outputFiles[0].text;
