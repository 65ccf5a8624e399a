// Test files run in worker threads, two at a time (npm test's --maxWorkers=2), and share each thread's
// loaded modules: bce's modules hold no state a test leaves changed (the tests that turn allowWasm off turn it
// back on), and loading them again for every file is most of a small
// file's time. A file that mocks a module (vi.mock) needs the module graph of its own: list it in ISOLATED.
// The tests of the real process boundary spawn the built bin.
import { configDefaults, defineConfig } from 'vitest/config';

const ISOLATED = ['test/cli.reduction.test.ts'];

export default defineConfig({
  test: {
    pool: 'threads',
    projects: [
      { extends: true, test: { name: 'shared', isolate: false, exclude: [...configDefaults.exclude, ...ISOLATED] } },
      { extends: true, test: { name: 'isolated', include: ISOLATED } },
    ],
  },
});
