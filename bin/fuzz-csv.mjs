#!/usr/bin/env node
// The long run of the CSV differential fuzzing: the fast engine against csv-parse on many more fuzzed files
// than `npm test` runs. Usage: node bin/fuzz-csv.mjs [runs]   (default 200000; each run is one random file)
import { spawnSync } from 'node:child_process';

const runs = process.argv[2] ?? '200000';
const r = spawnSync(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', 'test/io-csv-fast.test.ts', 'test/csv-stream.test.ts', '--testTimeout=0'],
  { stdio: 'inherit', env: { ...process.env, BCE_FUZZ_RUNS: runs }, cwd: new URL('..', import.meta.url).pathname },
);
process.exitCode = r.status ?? 1;
