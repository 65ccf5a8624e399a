#!/usr/bin/env node
// Starts the CLI bundle, dist/cli.cjs. CommonJS on purpose: Node starts it faster than an ES module, and
// it compiles the bundle with V8's code cache (dist/cli.cache, written by bin/build.mjs). When the cache
// is missing, or V8 rejects it (another Node version or other V8 flags), the bundle compiles from source.
'use strict';
const { readFileSync, writeFileSync, renameSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');

const dist = join(__dirname, '..', 'dist');
const file = join(dist, 'cli.cjs');
const cacheFile = join(dist, 'cli.cache');
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  // no cache: compile from source
}
const wrapped = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`;
const script = new Script(wrapped, { filename: file, cachedData });
if (process.env.BCE_WRITE_CODE_CACHE === '1') {
  // bin/build.mjs: after this run, save what V8 compiled (temp file + rename)
  process.once('exit', () => {
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, cacheFile);
  });
}
const cli = { exports: {} };
script.runInThisContext()(cli.exports, require, cli, file, dist);
