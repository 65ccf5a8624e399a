// Test files run in worker threads: they start faster and take less memory than child processes, and no
// test needs a process of its own (those of the real process boundary spawn the built bin).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'threads',
  },
});
