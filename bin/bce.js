#!/usr/bin/env node
// The CLI, for anyone who runs this path: package.json's bin is bce.cjs, which starts faster.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./bce.cjs');
