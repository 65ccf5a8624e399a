/**
 * End to end in a real terminal: the built bce runs inside a tmux pane (a pty, so colour is on by
 * itself), and the screen is captured as a user would see it. Skipped, with the reason in its name, when
 * tmux is not installed (apt-get install -y tmux).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const hasTmux = spawnSync('sh', ['-c', 'command -v tmux']).status === 0;
// a private server on a socket of its own, removed afterwards
const dir = mkdtempSync(join(tmpdir(), 'bce-tmux-'));
const tmux = (...args: string[]) => spawnSync('tmux', ['-S', join(dir, 'socket'), '-f', '/dev/null', ...args], { encoding: 'utf8' });

afterAll(() => {
  if (hasTmux) tmux('kill-server');
  rmSync(dir, { recursive: true, force: true });
});

describe('a real terminal (tmux)', () => {
  it.skipIf(!hasTmux)('bce --per-class on a tty: coloured by itself, and the screen reads right (skipped when tmux is not installed)', async () => {
    const cmd = `cd '${root}' && env -u NO_COLOR -u FORCE_COLOR '${process.execPath}' '${join(root, 'bin/bce.js')}' fixtures/examples/multilabel.json --per-class; echo '[done]'; sleep 30`;
    const started = tmux('new-session', '-d', '-x', '110', '-y', '30', cmd);
    expect(started.status, `tmux could not start a session: ${started.stderr}`).toBe(0);
    let plain = '';
    for (let i = 0; i < 100 && !plain.includes('[done]'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      plain = tmux('capture-pane', '-p').stdout;
    }
    const coloured = tmux('capture-pane', '-p', '-e').stdout;
    // colour is on by itself on a terminal: the bars and the largest class carry escape codes
    expect(coloured).toMatch(/\x1b\[[\d;]*m█/);
    const screen = plain.replace(/\s+$/, '');
    expect(screen).toMatchInlineSnapshot(`
      "BCEWithLogitsLoss  shape [8, 4]  elements 32  reduction mean
      loss 0.3584801181068667

      per class (the last dimension: 4 classes, 8 elements each)
      class  mean loss  positives  neg/pos  pos_weight  weight  share of the total loss
      0       0.257137          4        1           1       1  ████▎                     17.9%
      1       0.282571          5      0.6           1       1  ████▊                     19.7%
      2       0.494416          3     1.67           1       1  ████████▎                 34.5%  <- largest
      3       0.399796          5      0.6           1       1  ██████▊                   27.9%
      all      0.35848  (mean of every element; sum 11.4714)
      class 2 contributes most: 34.5% of the total loss
      neg/pos = negatives / positives: the pos_weight PyTorch suggests to balance a class

      colours: loss below 0.105, 0.105 to 0.693, 0.693 to 2.3, 2.3 and above
      [done]"
    `);
  });
});
