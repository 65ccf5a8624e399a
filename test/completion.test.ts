/**
 * `bce completion bash|zsh|fish`: each script parses in its shell, and bash and fish complete flags,
 * choices and subcommands. A shell that is not installed is skipped, and says so.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBce } from './helpers/run.js';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'bce-completion-'));

async function script(shell: string): Promise<string> {
  const r = await runBce(['completion', shell]);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
  const path = join(dir, `bce.${shell}`);
  writeFileSync(path, r.stdout);
  return path;
}

describe('bce completion', () => {
  it('an unknown shell is a usage error listing the choices', async () => {
    const r = await runBce(['completion', 'tcsh']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Allowed choices are bash, zsh, fish");
  });

  it.skipIf(!has('bash'))('bash (skipped when bash is not installed): parses, completes flags, choices, subcommands', async () => {
    const path = await script('bash');
    expect(spawnSync('bash', ['-n', path]).status).toBe(0);
    const complete = (...words: string[]) => {
      const quoted = words.map((w) => `'${w}'`).join(' ');
      const r = spawnSync('bash', ['-c', `source '${path}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _bce; echo "\${COMPREPLY[*]}"`], { encoding: 'utf8' });
      return r.stdout.trim();
    };
    expect(complete('bce', '--per')).toBe('--per-class');
    expect(complete('bce', '--red')).toBe('--reduction --reduce');
    expect(complete('bce', '-r', '')).toBe('none mean sum elementwise_mean');
    expect(complete('bce', '-f', 'nd')).toBe('ndjson');
    expect(complete('bce', 'ex')).toBe('explain');
    expect(complete('bce', 'completion', '')).toBe('bash zsh fish');
    expect(complete('bce', 'explain', '--ro')).toBe('--rows');
    expect(complete('bce', '--step', '')).toBe(''); // a number: nothing to offer
  });

  it.skipIf(!has('zsh'))('zsh (skipped when zsh is not installed): parses and registers _bce', async () => {
    const path = await script('zsh');
    expect(spawnSync('zsh', ['-n', path]).status).toBe(0);
    const r = spawnSync('zsh', ['-c', `autoload -Uz compinit && compinit -u -D; source '${path}'; print -- $_comps[bce]`], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('_bce');
  });

  it.skipIf(!has('fish'))('fish (skipped when fish is not installed): parses and completes', async () => {
    const path = await script('fish');
    expect(spawnSync('fish', ['--no-execute', path]).status).toBe(0);
    const complete = (line: string) =>
      spawnSync('fish', ['-c', `source '${path}'; complete -C '${line}'`], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')
        .map((l) => l.split('\t')[0]);
    expect(complete('bce --hist')).toEqual(['--hist', '--hist-log']);
    expect(complete('bce completion ')).toEqual(['bash', 'fish', 'zsh']);
    expect(complete('bce -r ')).toEqual(['elementwise_mean', 'mean', 'none', 'sum']);
  });
});
