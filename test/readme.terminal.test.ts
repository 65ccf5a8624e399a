/**
 * The README's terminal captures stay true: every block in "In the terminal" that starts with `$ bce`
 * is run, and its output must match (a block abridged with "..." must show lines of the real output, in order).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { runBce } from './helpers/run.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## In the terminal'), readme.indexOf('\n## ', readme.indexOf('## In the terminal') + 1));
const blocks = [...section.matchAll(/```\n\$ (bce [^\n]*)\n([\s\S]*?)```/g)].map((m) => ({ command: m[1], shown: m[2] }));

describe('README: In the terminal', () => {
  it('has captures', () => expect(blocks.length).toBeGreaterThanOrEqual(6));
  it.each(blocks)('$command', async ({ command, shown }) => {
    const argv = command.split(' ').slice(1);
    const r = await runBce([...argv, '--color', 'never']);
    expect(r.code).toBe(0);
    const lines = shown.replace(/\n$/, '').split('\n');
    if (!lines.includes('...')) {
      expect(r.stdout).toBe(`${lines.join('\n')}\n`);
      return;
    }
    const actual = r.stdout.split('\n');
    let at = 0;
    for (const line of lines.filter((l) => l !== '...')) {
      const found = actual.indexOf(line, at);
      expect(found, `README line not in the output (in order): ${line}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  });
});
