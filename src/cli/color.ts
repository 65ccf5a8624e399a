/**
 * Whether to colour, decided once: the --color flag, then NO_COLOR / FORCE_COLOR, then whether the
 * output is a terminal. (chalk's own detection ignores NO_COLOR and sniffs argv, so it is not used.)
 */
export const COLOR_MODES = ['auto', 'always', 'never'] as const;
export type ColorMode = (typeof COLOR_MODES)[number];

/** chalk level: 0 none, 1 basic, 2 256 colours, 3 truecolor. */
export type ColorLevel = 0 | 1 | 2 | 3;

export function colorLevel(mode: ColorMode, env: Readonly<Record<string, string | undefined>>, isTTY: boolean): ColorLevel {
  if (mode === 'never') return 0;
  const rich: ColorLevel = env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit' ? 3 : /256/.test(env.TERM ?? '') ? 2 : 1;
  if (mode === 'always') return rich;
  // https://no-color.org: set and not empty means no colour
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    if (force === '2' || force === '3') return Number(force) as ColorLevel;
    return rich;
  }
  if (!isTTY || env.TERM === 'dumb') return 0;
  return rich;
}
