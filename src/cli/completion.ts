/**
 * `bce completion bash|zsh|fish`: its declaration, and the shell completion scripts, written from a
 * description of the commands and their options read from commander (so the scripts never fall behind
 * the flags). The scripts are pure: text out.
 */
import { Argument } from 'commander';
import type { Command } from 'commander';
import { refuseEarlyOptions } from './options.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export interface CompletionOption {
  /** e.g. ['-l', '--logits'] */
  readonly flags: readonly string[];
  readonly description: string;
  readonly takesValue: boolean;
  /** its value names a file (<file>, <file|list>): complete file names; otherwise nothing is offered */
  readonly takesFile?: boolean;
  /** the values it accepts, when a fixed list */
  readonly choices?: readonly string[];
}

export interface CompletionCommand {
  readonly name: string;
  readonly description: string;
  readonly options: readonly CompletionOption[];
  /** fixed values of its positional argument (e.g. the shells of `bce completion`); files otherwise */
  readonly argChoices?: readonly string[];
}

export interface CompletionSpec {
  /** the program itself: `bce [bundle] [options]` */
  readonly program: CompletionCommand;
  readonly commands: readonly CompletionCommand[];
}

/** What the completion scripts need to know of a command, read from commander. */
function describeCommand(cmd: Command, argChoices?: readonly string[]): CompletionCommand {
  return {
    name: cmd.name(),
    description: cmd.description(),
    options: cmd.options.map((o) => ({
      flags: [o.short, o.long].filter((f): f is string => typeof f === 'string'),
      description: o.description,
      takesValue: o.required || o.optional,
      takesFile: /<file/.test(o.flags),
      ...(o.argChoices ? { choices: o.argChoices } : {}),
    })),
    ...(argChoices ? { argChoices } : {}),
  };
}

/** Declares \`bce completion\` on the program (after the other commands); `parsed` receives the shell and the spec. */
export function declareCompletion(program: Command, parsed: (shell: Shell, spec: CompletionSpec) => void): void {
  program
    .command('completion')
    .description('print a shell completion script for bash, zsh or fish')
    .usage('bash|zsh|fish')
    .addHelpText(
      'after',
      `
Load it for this shell:
  $ eval "$(bce completion bash)"
  $ source <(bce completion zsh)
  $ bce completion fish | source
or save it where the shell looks: ~/.local/share/bash-completion/completions/bce, a directory of
zsh's $fpath as _bce, ~/.config/fish/completions/bce.fish.`,
    )
    .helpOption('-h, --help', 'show this help')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .showHelpAfterError('(run bce completion --help for usage)')
    .allowExcessArguments(false)
    .action((shell: Shell) => {
      refuseEarlyOptions(program, 'completion', '[options]');
      parsed(shell, {
        program: describeCommand(program),
        commands: program.commands.map((c) => describeCommand(c, c.name() === 'completion' ? SHELLS : undefined)),
      });
    });
}

export function completionScript(shell: Shell, spec: CompletionSpec): string {
  if (shell === 'bash') return bashScript(spec);
  if (shell === 'zsh') return zshScript(spec);
  return fishScript(spec);
}

const firstLine = (s: string) => s.split('\n')[0];

// ------------------------------------------------------------------------------------------------
// bash
// ------------------------------------------------------------------------------------------------

function bashCase(cmd: CompletionCommand): string {
  const words = cmd.options.flatMap((o) => o.flags).join(' ');
  const lines: string[] = [];
  for (const o of cmd.options) {
    if (!o.takesValue) continue;
    const pattern = o.flags.join('|');
    const action = o.choices
      ? `COMPREPLY=($(compgen -W '${o.choices.join(' ')}' -- "$cur"))`
      : o.takesFile
        ? `COMPREPLY=($(compgen -f -- "$cur"))`
        : 'COMPREPLY=()';
    lines.push(`          ${pattern}) ${action}; return 0 ;;`);
  }
  const positional = cmd.argChoices
    ? `COMPREPLY=($(compgen -W '${cmd.argChoices.join(' ')}' -- "$cur"))`
    : `COMPREPLY=($(compgen -f -- "$cur"))`;
  return [
    `        case "$prev" in`,
    ...lines,
    `        esac`,
    `        if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W '${words}' -- "$cur")); return 0; fi`,
    `        ${positional}`,
  ].join('\n');
}

function bashScript(spec: CompletionSpec): string {
  const names = spec.commands.map((c) => c.name);
  const cases = spec.commands.map((c) => `      ${c.name})\n${bashCase(c)}\n        ;;`).join('\n');
  return `# bash completion for bce. Load it with:  eval "$(bce completion bash)"
# or save it:  bce completion bash > ~/.local/share/bash-completion/completions/bce
_bce() {
  local cur prev cmd i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${names.join('|')}) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$cmd" in
${cases}
      *)
${bashCase(spec.program)}
        if ((COMP_CWORD == 1)); then COMPREPLY+=($(compgen -W '${names.join(' ')}' -- "$cur")); fi
        ;;
  esac
}
complete -o filenames -o bashdefault -F _bce bce
`;
}

// ------------------------------------------------------------------------------------------------
// zsh
// ------------------------------------------------------------------------------------------------

/** Text inside a zsh single-quoted _arguments spec: no quotes, brackets or colons left unescaped. */
function zshText(s: string): string {
  return firstLine(s).replace(/'/g, "'\\''").replace(/[[\]]/g, '').replace(/:/g, '\\:');
}

function zshSpecs(cmd: CompletionCommand): string[] {
  return cmd.options.map((o) => {
    const desc = zshText(o.description);
    const value = !o.takesValue ? '' : o.choices ? `:value:(${o.choices.join(' ')})` : o.takesFile ? ':file:_files' : ':value: ';
    if (o.flags.length === 1) return `'${o.flags[0]}[${desc}]${value}'`;
    return `'(${o.flags.join(' ')})'{${o.flags.join(',')}}'[${desc}]${value}'`;
  });
}

function zshScript(spec: CompletionSpec): string {
  const cmdList = spec.commands.map((c) => `'${c.name}:${zshText(c.description)}'`).join(' ');
  const cases = spec.commands
    .map((c) => {
      const arg = c.argChoices ? `'1:${c.name}:(${c.argChoices.join(' ')})'` : `'*:file:_files'`;
      return `    ${c.name})\n      shift words\n      (( CURRENT-- ))\n      _arguments -s \\\n        ${[...zshSpecs(c), arg].join(' \\\n        ')}\n      ;;`;
    })
    .join('\n');
  return `#compdef bce
# zsh completion for bce. Load it with:  source <(bce completion zsh)
# or save it as _bce in a directory of your $fpath.
_bce_first() {
  local -a cmds
  cmds=(${cmdList})
  _describe -t commands 'bce command' cmds
  _files
}
_bce() {
  local cmd=\${words[2]}
  case $cmd in
${cases}
    *)
      _arguments -s \\
        ${[...zshSpecs(spec.program), `'1:command or bundle:_bce_first'`].join(' \\\n        ')}
      ;;
  esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _bce "$@"
else
  compdef _bce bce
fi
`;
}

// ------------------------------------------------------------------------------------------------
// fish
// ------------------------------------------------------------------------------------------------

function fishText(s: string): string {
  return `'${firstLine(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function fishOptions(cmd: CompletionCommand, condition: string): string[] {
  return cmd.options.map((o) => {
    const parts = [`complete -c bce -n '${condition}'`];
    for (const flag of o.flags) parts.push(flag.startsWith('--') ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`);
    if (o.takesValue) parts.push(o.choices ? `-x -a '${o.choices.join(' ')}'` : o.takesFile ? '-r -F' : '-x');
    parts.push(`-d ${fishText(o.description)}`);
    return parts.join(' ');
  });
}

function fishScript(spec: CompletionSpec): string {
  const names = spec.commands.map((c) => c.name).join(' ');
  const lines = [
    '# fish completion for bce. Load it with:  bce completion fish | source',
    '# or save it:  bce completion fish > ~/.config/fish/completions/bce.fish',
    'complete -c bce -e',
    ...spec.commands.map((c) => `complete -c bce -n __fish_use_subcommand -f -a ${c.name} -d ${fishText(c.description)}`),
    ...fishOptions(spec.program, `not __fish_seen_subcommand_from ${names}`),
  ];
  for (const c of spec.commands) {
    const cond = `__fish_seen_subcommand_from ${c.name}`;
    if (c.argChoices) lines.push(`complete -c bce -n '${cond}' -f -a '${c.argChoices.join(' ')}'`);
    lines.push(...fishOptions(c, cond));
  }
  return `${lines.join('\n')}\n`;
}
