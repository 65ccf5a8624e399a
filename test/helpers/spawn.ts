/** A child process run to its end without blocking the test's thread, so that several can run at once. */
import { spawn, type SpawnOptions } from 'node:child_process';

export interface Exit {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` with `args` and collects its exit status, stdout and stderr as UTF-8. */
export function spawnAsync(command: string, args: readonly string[], options: SpawnOptions = {}): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
