/**
 * The colours of the terminal views, in one place and the only place chalk is used: a heat scale for
 * element losses, signs of gradients, verify's pass and FAIL, and the bold and dim of headings. A command
 * asks for the colour level it decided on (`loadPaint`); at level 0, or without chalk, every function is
 * the identity and the text stays plain.
 */
import type { ChalkInstance } from 'chalk';

/**
 * Heat-scale thresholds for an element loss. For a 0/1 target with weight and pos_weight 1 the loss is
 * -log of the probability given to the right answer: below -log 0.9 the model is confidently right,
 * above log 2 it is on the wrong side of 0.5, above -log 0.1 it is confidently wrong.
 */
export const HEAT = { cool: -Math.log(0.9), warm: Math.LN2, hot: -Math.log(0.1) } as const;

export interface Paint {
  readonly on: boolean;
  bold(s: string): string;
  dim(s: string): string;
  /** colours text by the element loss it shows: green, plain, yellow, red; magenta for NaN and infinity */
  heat(s: string, loss: number): string;
  /** colours text by a gradient's sign: + magenta (the step lowers the logit), - cyan (raises it) */
  sign(s: string, g: number): string;
  /** the bars of charts */
  bar(s: string): string;
  /** the row that matters most (largest class, chosen reduction) */
  mark(s: string): string;
  /** a check that passed (verify's "pass", its summary when all pass) */
  ok(s: string): string;
  /** a check that failed (verify's "FAIL", its summary otherwise) */
  bad(s: string): string;
}

const id = (s: string) => s;

export const PLAIN: Paint = { on: false, bold: id, dim: id, heat: id, sign: id, bar: id, mark: id, ok: id, bad: id };

/** The paint for a chalk colour level (0 none, 1 basic, 2 256 colours, 3 truecolor); chalk is loaded only for colour. */
export async function loadPaint(level: 0 | 1 | 2 | 3): Promise<Paint> {
  if (level === 0) return PLAIN;
  return makePaint(new (await import('chalk')).Chalk({ level }));
}

function makePaint(c: ChalkInstance): Paint {
  return {
    on: true,
    bold: (s) => c.bold(s),
    dim: (s) => c.dim(s),
    heat: (s, v) => {
      if (!Number.isFinite(v)) return c.magenta.bold(s);
      if (v >= HEAT.hot) return c.red.bold(s);
      if (v >= HEAT.warm) return c.yellow(s);
      if (v < HEAT.cool) return c.green(s);
      return s;
    },
    sign: (s, g) => (g > 0 ? c.magenta(s) : g < 0 ? c.cyan(s) : c.dim(s)),
    bar: (s) => c.blue(s),
    mark: (s) => c.bold.yellow(s),
    ok: (s) => c.green(s),
    bad: (s) => c.red(s),
  };
}

/** Unicode bar of `fraction` (0..1) of `width` cells, in eighths of a cell. */
export function unicodeBar(fraction: number, width: number): string {
  if (!(fraction > 0)) return '';
  const eighths = Math.max(1, Math.round(Math.min(fraction, 1) * width * 8));
  const full = Math.floor(eighths / 8);
  const rest = eighths % 8;
  return '█'.repeat(full) + (rest > 0 ? ' ▏▎▍▌▋▊▉'[rest] : '');
}

/** Display width of text without its ANSI colour codes. */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}

/** Pads text carrying colour codes to a visible width. */
export function padEndVisible(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - visibleLength(s)));
}

export function padStartVisible(s: string, width: number): string {
  return ' '.repeat(Math.max(0, width - visibleLength(s))) + s;
}
