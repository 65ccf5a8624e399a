/**
 * The address space a bare Node process starts with (VmSize), for tests that run bce under a ceiling of
 * "start + headroom": Node versions reserve different amounts, so a fixed ceiling fits one version only.
 */
import { spawnSync } from 'node:child_process';

let measured: number | undefined;

/** VmSize of a fresh `node` (this one's binary), in bytes; 0 where /proc is absent. */
export function startVmSize(): number {
  if (measured === undefined) {
    const status = spawnSync(process.execPath, ['-p', "require('fs').readFileSync('/proc/self/status', 'utf8')"], { encoding: 'utf8' }).stdout;
    measured = 1024 * Number(/^VmSize:\s+(\d+) kB$/m.exec(status ?? '')?.[1] ?? 0);
  }
  return measured;
}
