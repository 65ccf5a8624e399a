#!/usr/bin/env node
// The long run of the CSV differential fuzzing: the fast engine against csv-parse on many more fuzzed files
// than `npm test` runs, and the streaming reader against the in-memory one on more random file pairs.
// Usage: node bin/fuzz-csv.mjs [runs]   (default 200000 files; a hundredth as many streamed pairs)
import { spawnSync } from 'node:child_process';

const runs = process.argv[2] ?? '200000';
const r = spawnSync(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', 'test/io-csv-fast.test.ts', 'test/stream.test.ts', '--testTimeout=0'],
  { stdio: 'inherit', env: { ...process.env, BCE_FUZZ_RUNS: runs, BCE_STREAM_RUNS: String(Math.max(25, Math.round(Number(runs) / 100))) }, cwd: new URL('..', import.meta.url).pathname },
);
process.exitCode = r.status ?? 1;
