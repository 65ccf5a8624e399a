/**
 * The streamed mean and sum on one thread and on two in this process, on the CSV pair and the table (the NPY
 * pair's cases are in stream-threads.test.ts): the same bits, the worker computing chunks.
 */
import { afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ringSuite } from './helpers/stream-threads.js';

const dir = mkdtempSync(join(tmpdir(), 'bce-stream-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

ringSuite(dir, ['csv', 'table']);
