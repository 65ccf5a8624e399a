/**
 * The outputs of bce's own command that are not text for a reader: the binary tensor files (.npy, .npz,
 * .safetensors, by -o's extension or -f) and the partial document that `bce merge` combines. Their rules
 * across flags, and their writing.
 */
import type { Io } from '../io/source.js';
import type { BceResult } from '../core/kernel.js';
import type { PerClass } from '../core/stats.js';
import { UsageError, printableName } from '../errors.js';
import { BINARY_FORMATS, formatBinary, outputTensors } from '../format/binary.js';
import type { BinaryFormat } from '../format/binary.js';
import { formatPartial, partialOf } from '../format/partial.js';
import { formatOf, rule } from './options.js';

export function isBinary(format: string): format is BinaryFormat {
  return (BINARY_FORMATS as readonly string[]).includes(format);
}

/** The binary format an -o file's extension names (.npy, .npz, .safetensors), if any. */
function extensionFormat(output: string | undefined): BinaryFormat | undefined {
  const ext = /\.([a-z]+)$/i.exec(output ?? '')?.[1].toLowerCase();
  return ext !== undefined && isBinary(ext) ? ext : undefined;
}

interface FormatFlags {
  json?: boolean;
  format?: string;
  output?: string;
}

/** The output format: --json or --format, else the binary format -o's extension names, else table. */
export function outputFormatOf<F extends string>(o: { json?: boolean; format?: F; output?: string }): F | BinaryFormat | 'json' | 'table' {
  if (o.json || o.format !== undefined) return formatOf(o);
  return extensionFormat(o.output) ?? 'table';
}

interface OutputFlags extends FormatFlags {
  grad?: boolean;
  gradTargets?: boolean;
  reduction?: string;
  reduce?: boolean;
}

/** The cross-flag rules of these formats, for the command's schema. */
export const binaryRules = [
  rule<OutputFlags>((o) => {
    const ext = extensionFormat(o.output);
    const format = outputFormatOf(o);
    if (ext === undefined || format === ext) return undefined;
    return `-o ${printableName(o.output as string)}: a .${ext} file, but the format is ${format} (drop --format, or name another file)`;
  }),
  rule<OutputFlags>((o) => {
    if (outputFormatOf(o) !== 'npy' || (!o.grad && !o.gradTargets)) return undefined;
    const names = ['loss', o.grad && 'grad', o.gradTargets && 'grad_targets'].filter(Boolean).join(', ');
    return `.npy holds one tensor, and ${names} are asked for: write .npz or .safetensors`;
  }),
  rule<OutputFlags>((o) => {
    if (outputFormatOf(o) !== 'partial') return undefined;
    if (o.grad || o.gradTargets) return `--format partial is a mean or a sum, without ${o.grad ? '--grad' : '--grad-targets'}`;
    if (o.reduction === 'none' || o.reduce === false) return '--format partial needs reduction mean or sum';
    return undefined;
  }),
];

/** A binary format on a terminal is refused before anything is read. */
export function checkTerminal(format: string, output: string | undefined, io: Io): void {
  if (isBinary(format) && output === undefined && io.stdoutIsTTY) {
    throw new UsageError(`-f ${format} writes binary data: give -o FILE, or redirect stdout to a file or a pipe`);
  }
}

/** Writes a result in a binary format or as a partial: to -o's file atomically, or to stdout. */
export async function writeOutputs(
  format: BinaryFormat | 'partial',
  output: string | undefined,
  io: Io,
  result: BceResult,
  perClass?: PerClass,
): Promise<void> {
  if (format === 'partial' && result.reduction === 'none') throw new UsageError('--format partial needs reduction mean or sum, not none');
  const chunks = format === 'partial' ? [formatPartial(partialOf(result, perClass))] : formatBinary(format, outputTensors(result));
  if (output !== undefined) await io.writeFileAtomic(output, chunks);
  else await io.writeStdout(chunks);
}
