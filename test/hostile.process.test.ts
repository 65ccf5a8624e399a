/**
 * The process boundary under a hostile environment, with the built bin spawned as a user runs it: endless
 * and binary input on stdin, FIFOs and devices, a full disk under stdout, -o over private files and
 * symlinks, and signals during -o. Endless inputs run under a hard memory ceiling (prlimit --as), so a
 * read that does not stop fails the test instead of taking the machine down.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import type { SpawnSyncOptions } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedReference } from './helpers/numbers.js';
import { readBounded } from '../src/io/bounded-read.js';
import { InputError } from '../src/errors.js';

const SEED = seedReference();
const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'bin/bce.cjs');
const node = process.execPath;
/** Node alone reserves about 800 MB of address space; 512 MiB of text read in chunks fits in 2 GiB. */
const CEILING = String(2 * 2 ** 30);
const SLOW = 60_000;

/** An .npy file (version 1.0, float64, C order) of the given shape and values. */
function npy(shape: number[], values: ArrayLike<number>): Buffer {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(Float64Array.from(values).buffer)]);
}

/** A safetensors file of float64 tensors. */
function safetensors(tensors: Record<string, { shape: number[]; values: number[] }>): Buffer {
  const header: Record<string, unknown> = {};
  const data: Buffer[] = [];
  let at = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: 'F64', shape: t.shape, data_offsets: [at, at + 8 * t.values.length] };
    data.push(Buffer.from(Float64Array.from(t.values).buffer));
    at += 8 * t.values.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeUInt32LE(json.length, 0);
  return Buffer.concat([length, json, ...data]);
}

const SEED_LOGITS = [0.5, -1.2, 3.0, 1.5, 2.0, -0.5];
const SEED_TARGETS = [1, 0, 1, 0, 1, 0];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bce-hostile-'));
  chmodSync(dir, 0o755);
  return dir;
}

/** Runs a bash line (the bin is $BCE, run under the memory ceiling), timing it; its status is the last command's. */
function shell(line: string, options: SpawnSyncOptions = {}) {
  const started = Date.now();
  const r = spawnSync('bash', ['-c', line], {
    cwd: root,
    encoding: 'utf8',
    timeout: SLOW,
    env: { ...process.env, BCE: `prlimit --as=${CEILING} ${node} ${bin}` },
    ...options,
  });
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr), seconds: (Date.now() - started) / 1000 };
}

function bce(args: string[], options: SpawnSyncOptions = {}) {
  const r = spawnSync(node, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: SLOW, ...options });
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describe('reads of unknown size are bounded', () => {
  it('3 GB of zeros on stdin is refused at its first byte, within seconds', () => {
    const r = shell('head -c 3G /dev/zero | $BCE');
    expect(r.stderr).toBe('bce: <stdin>: NUL bytes at byte 0: binary data, not JSON or CSV text\n');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.seconds).toBeLessThan(20);
  }, SLOW);

  it('/dev/zero given as a path is refused the same way', () => {
    const r = shell('$BCE -l /dev/zero -t fixtures/examples/targets.csv');
    expect(r.stderr).toBe('bce: /dev/zero: NUL bytes at byte 0: binary data, not JSON or CSV text\n');
    expect(r.code).toBe(2);
    expect(r.seconds).toBeLessThan(20);
  }, SLOW);

  it('endless [ is refused where it nests deeper than a tensor can', () => {
    // `yes [` writes "[\n" forever: the 65th '[' is at byte 128
    const r = shell('yes [ | $BCE');
    expect(r.stderr).toBe('bce: <stdin>: byte 128: JSON nested deeper than 64 levels (a tensor has at most 64 dimensions)\n');
    expect(r.code).toBe(2);
    expect(r.seconds).toBeLessThan(20);
  }, SLOW);

  it('a FIFO given as a path keeps the bounded read\'s own refusal (an NPY declaring 4 GiB)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'huge.npy'), npy([2 ** 20, 2 ** 9], []).subarray(0, 128));
    const r = shell(`mkfifo ${dir}/fifo && { cat ${dir}/huge.npy /dev/zero > ${dir}/fifo 2>/dev/null & } && $BCE -l ${dir}/fifo -t ${dir}/fifo2 -g`);
    expect(r.stderr.replace(dir, '<tmp>')).toBe(
      'bce: <tmp>/fifo: its header declares 4096 MiB: too large to read from a stream (the limit for stdin, pipes and devices is 2 GiB); save it to a file\n',
    );
    expect(r.code).toBe(2);
  }, SLOW);

  it('endless text stops at the 512 MiB limit, in bounded memory', () => {
    const r = shell('yes 1 | $BCE');
    expect(r.stderr).toMatch(/^bce: <stdin>: more than 512 MiB is too large to read as one text \(the limit is 512 MiB\): [^\n]*\n$/);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  }, SLOW);

  it('an NPY on stdin is read to its declared size: an endless stream after it is not read', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'l.npy'), npy([2, 3], SEED_LOGITS));
    writeFileSync(join(dir, 't.npy'), npy([2, 3], SEED_TARGETS));
    const r = shell(`cat ${dir}/l.npy /dev/zero | $BCE -l - -t ${dir}/t.npy --json`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).loss).toBe(SEED.mean);
  }, SLOW);

  it('a safetensors bundle on stdin is read to its declared size', () => {
    const dir = tempDir();
    const file = safetensors({ logits: { shape: [2, 3], values: SEED_LOGITS }, targets: { shape: [2, 3], values: SEED_TARGETS } });
    writeFileSync(join(dir, 'b.safetensors'), file);
    const r = shell(`cat ${dir}/b.safetensors /dev/zero | $BCE --json`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).loss).toBe(SEED.mean);
  }, SLOW);

  it.each([
    ['read whole (-g)', ['-g']],
    ['where the reduction would stream', []],
  ])('a FIFO given as a path is read like stdin: an NPY followed by endless zeros, %s', (_name, extra) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'l.npy'), npy([2, 3], SEED_LOGITS));
    writeFileSync(join(dir, 't.npy'), npy([2, 3], SEED_TARGETS));
    // the streaming path takes regular files only, and must not open (and so drain) the FIFO to find that out
    const r = shell(`mkfifo ${dir}/fifo && { cat ${dir}/l.npy /dev/zero > ${dir}/fifo 2>/dev/null & } && $BCE -l ${dir}/fifo -t ${dir}/t.npy ${extra.join(' ')} --json`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).loss).toBe(SEED.mean);
  }, SLOW);
});

/** A stream of the given chunks, then `endless` chunks of zeros forever; counts the chunks pulled. */
function streamOf(chunks: Uint8Array[], endless = false) {
  const pulled = { count: 0 };
  async function* gen() {
    for (const c of chunks) {
      pulled.count++;
      yield c;
    }
    while (endless) {
      pulled.count++;
      yield new Uint8Array(64 * 1024);
    }
  }
  return { source: gen(), pulled };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(InputError);
  return (e as Error).message;
}

describe('readBounded, in process', () => {
  it('names the byte of a NUL in a later chunk, and stops there', async () => {
    const { source, pulled } = streamOf([Buffer.from('1,2\n'.repeat(20000)), Buffer.from('3,4\n\0'), Buffer.from('5,6\n')], true);
    expect(await refusal(readBounded(source, 'x.csv'))).toBe('x.csv: NUL bytes at byte 80004: binary data, not JSON or CSV text');
    expect(pulled.count).toBe(2);
  });

  it('refuses invalid UTF-8 at the start in decodeText\'s words, but not a character cut by the head\'s end', async () => {
    expect(await refusal(readBounded(streamOf([Buffer.from([0x31, 0xff, 0x0a])]).source, '<stdin>'))).toMatch(/^<stdin>: not UTF-8 text/);
    const text = Buffer.concat([Buffer.from('1'.repeat(64 * 1024 - 1)), Buffer.from('\u00e9\n')]);
    const got = await readBounded(streamOf([text.subarray(0, 64 * 1024), text.subarray(64 * 1024)]).source, '<stdin>');
    expect(Buffer.from(got).equals(text)).toBe(true);
  });

  it('a safetensors header longer than the first 64 KiB is still read to its declared size', async () => {
    const file = safetensors({ ['x'.repeat(100_000)]: { shape: [2], values: [1.5, -2] } });
    const { source } = streamOf([file, Buffer.from('junk after the data')], true);
    expect(Buffer.from(await readBounded(source, '<stdin>')).equals(file)).toBe(true);
  });

  it('an NPY header longer than any numpy reads, or data over 2 GiB, is refused before reading on', async () => {
    const long = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0, 0, 0, 0x40]);
    const a = streamOf([long], true);
    expect(await refusal(readBounded(a.source, '<stdin>'))).toBe(
      '<stdin>: byte 8: the .npy header declares 1073741824 bytes; numpy reads headers of at most 10000 characters',
    );
    expect(a.pulled.count).toBeLessThan(4);
    const huge = npy([2 ** 20, 2 ** 9], []).subarray(0, 128);
    const b = streamOf([huge], true);
    expect(await refusal(readBounded(b.source, '<stdin>'))).toBe(
      '<stdin>: its header declares 4096 MiB: too large to read from a stream (the limit for stdin, pipes and devices is 2 GiB); save it to a file',
    );
    expect(b.pulled.count).toBeLessThan(4);
  });

  it('a safetensors header over bce\'s 16 MiB limit is not read from a stream: the reader refuses it from its length', async () => {
    const head = Buffer.alloc(16);
    head.writeBigUInt64LE(BigInt(90_000_000));
    head.write('{"a":', 8);
    const s = streamOf([head], true);
    const bytes = await readBounded(s.source, '<stdin>');
    expect(s.pulled.count).toBeLessThan(4);
    const { readTensor } = await import('../src/io/read-tensor.js');
    expect(await refusal(readTensor({ name: '<stdin>', bytes }))).toBe(
      "<stdin>: byte 0: header length 90000000 is over bce's limit of 16777216 bytes (16 MiB) for a safetensors header",
    );
  });

  it('a stream that ends early is handed over short, for the format\'s reader to say where it ends', async () => {
    const file = npy([2, 3], SEED_LOGITS);
    const got = await readBounded(streamOf([file.subarray(0, 100)]).source, '<stdin>');
    expect(got.length).toBe(100);
  });
});

describe('output failures', () => {
  it('a full disk under stdout: one line, exit 74', () => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = bce(['fixtures/examples/seed.json'], { stdio: ['pipe', full, 'pipe'] });
      expect(r.stderr).toBe('bce: stdout: no space left on device\n');
      expect(r.code).toBe(74);
    } finally {
      closeSync(full);
    }
  });

  it('a full disk under -o: one line naming -o, exit 74', () => {
    const r = bce(['fixtures/examples/seed.json', '-o', '/dev/full']);
    expect(r.stderr).toBe('bce: -o /dev/full: no space left on device\n');
    expect(r.code).toBe(74);
  });

  it('a reader that closes the pipe early: quiet exit 0', () => {
    const dir = tempDir();
    const n = 200_000;
    writeFileSync(join(dir, 'l.npy'), npy([n], Array.from({ length: n }, (_, i) => Math.sin(i))));
    writeFileSync(join(dir, 't.npy'), npy([n], Array.from({ length: n }, (_, i) => i % 2)));
    const r = shell(`${node} ${bin} -l ${dir}/l.npy -t ${dir}/t.npy -r none -f csv | head -c1; exit ${'$'}{PIPESTATUS[0]}`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toHaveLength(1);
  }, SLOW);
});

describe('-o keeps what it replaces', () => {
  const seed = ['fixtures/examples/seed.json', '--json'];
  const loss = (path: string) => JSON.parse(readFileSync(path, 'utf8')).loss;

  it('a file name of 250 bytes, near the most a folder holds, is written (its temporary name is shorter)', () => {
    const dir = tempDir();
    const out = join(dir, `${'n'.repeat(245)}.json`);
    const r = bce([...seed, '-o', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(loss(out)).toBe(SEED.mean);
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('a private file stays private', () => {
    const dir = tempDir();
    const out = join(dir, 'r.json');
    writeFileSync(out, 'old', { mode: 0o600 });
    chmodSync(out, 0o600);
    const r = bce([...seed, '-o', out]);
    expect(r.code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(loss(out)).toBe(SEED.mean);
    expect(readdirSync(dir)).toEqual(['r.json']);
    // a mode the umask would cut from a new file is kept too
    chmodSync(out, 0o664);
    expect(shell(`umask 077; ${node} ${bin} ${seed.join(' ')} -o ${out}`).code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o664);
    // the owner and group too, where the process may set them (root may)
    if (process.getuid?.() === 0) {
      chownSync(out, 65534, 65534);
      expect(bce([...seed, '-o', out]).code).toBe(0);
      expect([statSync(out).uid, statSync(out).gid]).toEqual([65534, 65534]);
    }
  });

  it('a symlink is written through: the target is replaced, the link kept; a dangling one creates its target', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'real'));
    const target = join(dir, 'real', 'r.json');
    writeFileSync(target, 'old', { mode: 0o640 });
    chmodSync(target, 0o640);
    symlinkSync('real/r.json', join(dir, 'link'));
    expect(bce([...seed, '-o', join(dir, 'link')]).code).toBe(0);
    expect(lstatSync(join(dir, 'link')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, 'link'))).toBe('real/r.json');
    expect(loss(target)).toBe(SEED.mean);
    expect(statSync(target).mode & 0o777).toBe(0o640);
    expect(readdirSync(join(dir, 'real'))).toEqual(['r.json']);

    symlinkSync('real/new.json', join(dir, 'dangling'));
    expect(bce([...seed, '-o', join(dir, 'dangling')]).code).toBe(0);
    expect(loss(join(dir, 'real', 'new.json'))).toBe(SEED.mean);
    expect(lstatSync(join(dir, 'dangling')).isSymbolicLink()).toBe(true);
  });

  it('-o - is stdout', () => {
    const r = bce([...seed, '-o', '-']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).loss).toBe(SEED.mean);
    expect(existsSync(join(root, '-'))).toBe(false);
  });

  it('a directory, a missing folder and a read-only folder are named with -o and the reason, exit 2', () => {
    const dir = tempDir();
    expect(bce([...seed, '-o', dir]).stderr).toBe(`bce: -o ${dir}: cannot write there: is a directory\n`);
    const missing = join(dir, 'nope', 'r.json');
    expect(bce([...seed, '-o', missing]).stderr).toBe(`bce: -o ${missing}: cannot write there: its folder does not exist\n`);
    const ro = join(dir, 'ro');
    mkdirSync(ro, { mode: 0o555 });
    chmodSync(ro, 0o555);
    // root writes anywhere: run as nobody then
    const asOther = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = bce([...seed, '-o', join(ro, 'r.json')], asOther);
    expect(r.stderr).toBe(`bce: -o ${join(ro, 'r.json')}: cannot write there: its folder is not writable\n`);
    expect(r.code).toBe(2);
    expect(readdirSync(ro)).toEqual([]);
  });
});

describe('signals during -o', () => {
  // a million element losses and gradients as CSV, about 47 MB: long enough to write that the signal comes
  // while the temp file is open; the inputs are written once and linked into each case's folder
  let inputs: string | undefined;
  const bigInputs = (): string => {
    if (inputs !== undefined) return inputs;
    const n = 1_000_000;
    const logits = new Float64Array(n);
    for (let i = 0; i < n; i++) logits[i] = Math.sin(i);
    inputs = tempDir();
    writeFileSync(join(inputs, 'l.npy'), npy([n], logits));
    writeFileSync(join(inputs, 't.npy'), npy([n], logits.map((x) => (x > 0 ? 1 : 0))));
    return inputs;
  };

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
    ['SIGHUP', 129],
  ] as const)('%s removes the unfinished temp file, keeps the old file and exits %i', async (signal, code) => {
    const dir = tempDir();
    for (const name of ['l.npy', 't.npy']) linkSync(join(bigInputs(), name), join(dir, name));
    const out = join(dir, 'out.csv');
    writeFileSync(out, 'old');
    const child = spawn(node, [bin, '-l', join(dir, 'l.npy'), '-t', join(dir, 't.npy'), '-r', 'none', '-g', '-f', 'csv', '-o', out], { stdio: 'ignore' });
    const exited = new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    let sawTemp = false;
    const deadline = Date.now() + SLOW / 2;
    while (!sawTemp && Date.now() < deadline && child.exitCode === null) {
      sawTemp = readdirSync(dir).some((f) => f.endsWith('.tmp'));
      if (!sawTemp) await new Promise((r) => setTimeout(r, 10));
    }
    expect(sawTemp).toBe(true);
    child.kill(signal);
    expect(await exited).toBe(code);
    expect(readdirSync(dir).sort()).toEqual(['l.npy', 'out.csv', 't.npy']);
    expect(readFileSync(out, 'utf8')).toBe('old');
  }, SLOW);
});

describe('a worker started ahead and never given work does not keep the process alive', () => {
  // 6M elements: a tensor the CLI allocates in shared memory, starting a pooled worker while it is read
  const n = 6_000_000;
  const dir = tempDir();
  const x = join(dir, 'x.npy');
  const head = npy([n], []);
  writeFileSync(x, Buffer.concat([head, Buffer.alloc(8 * n)]));
  const cut = join(dir, 'cut.npy');
  writeFileSync(cut, Buffer.concat([head, Buffer.alloc(8 * 1000)]));
  const small = join(dir, 'small.json');
  writeFileSync(small, '[0.5, -1.5]');
  const env = (threads?: string) => ({ env: { ...process.env, ...(threads ? { BCE_THREADS: threads } : {}) }, timeout: 20_000 });

  it('an error after the big input is read: exit 2, one line, no hang', () => {
    const r = bce(['-l', x, '-t', cut, '-g', '-o', join(dir, 'o.npz')], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^bce: .*cut\.npy: .*file ends early[^\n]*\n$/);
    expect(r.stdout).toBe('');
  }, SLOW);

  it('a streamed result with a big weight read whole: printed, and the process exits 0', () => {
    const r = bce(['-l', x, '-t', x, '-w', x, '--json'], env('2'));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).loss).toBe(0);
  }, SLOW);

  it('a weight that cannot broadcast: exit 2, no hang', () => {
    const r = bce(['-l', small, '-t', small, '-w', x], env('2'));
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toHaveLength(2);
  }, SLOW);
});
