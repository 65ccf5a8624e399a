#!/usr/bin/python3
"""bce as the map step of a Dask job, and bce merge as its reduce step, end to end.

    /usr/bin/python3 bin/dask-merge.py [parts-folder] [workers]

A LocalCluster stands in for a cluster. Each partition is a pair of .npy files (logits, targets) in
parts-folder (made here, seeded, when the folder is missing or empty); a Dask task runs
`bce -l ... -t ... -f partial` on it in a subprocess, where the worker runs, and returns the line.
`bce merge` then combines the lines into the mean over every partition, which is checked against one
bce run over all the data at once. Needs Debian's python3-dask and python3-distributed, numpy, and the
built CLI (npm ci); without Dask it says so and stops (exit 0).
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BCE = [os.environ.get('NODE', 'node'), os.path.join(ROOT, 'bin', 'bce.cjs')]


def bce_partial(logits, targets):
    """The map step: one partition's partial, computed by bce in a subprocess on the worker."""
    run = subprocess.run([*BCE, '-l', logits, '-t', targets, '-f', 'partial'], capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(run.stderr.strip())
    return run.stdout


def make_parts(folder, parts=8, rows=25_000, classes=5):
    import numpy as np
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(11)
    for k in range(parts):
        np.save(os.path.join(folder, f'part-{k:03d}.logits.npy'), rng.standard_normal((rows + 37 * k, classes)) * 2)
        np.save(os.path.join(folder, f'part-{k:03d}.targets.npy'), (rng.random((rows + 37 * k, classes)) < 0.25).astype('f8'))


def main():
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        print('dask-merge: Dask is not installed (apt-get install python3-dask python3-distributed): nothing run')
        return 0
    import numpy as np

    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'bench-out', 'dask-parts')
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    if not os.path.isdir(folder) or not any(n.endswith('.logits.npy') for n in os.listdir(folder)):
        make_parts(folder)
    names = sorted(n[: -len('.logits.npy')] for n in os.listdir(folder) if n.endswith('.logits.npy'))
    pairs = [(os.path.join(folder, f'{n}.logits.npy'), os.path.join(folder, f'{n}.targets.npy')) for n in names]

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        futures = [client.submit(bce_partial, l, t, pure=False) for l, t in pairs]
        lines = client.gather(futures)
    merge = subprocess.run([*BCE, 'merge', '--json'], input=''.join(lines), capture_output=True, text=True, check=True)
    merged = json.loads(merge.stdout)

    # one run over all the rows, for comparison: the partitions joined into one file
    whole = os.path.join(folder, 'all.npz')
    np.savez(whole, logits=np.concatenate([np.load(l) for l, _ in pairs]), targets=np.concatenate([np.load(t) for _, t in pairs]))
    one = json.loads(subprocess.run([*BCE, whole, '--json'], capture_output=True, text=True, check=True).stdout)
    os.remove(whole)
    print(f'dask-merge: {len(pairs)} partitions on {workers} workers, shape {merged["shape"]}')
    print(f'dask-merge: merged mean {merged["loss"]!r}, one run {one["loss"]!r}: {"the same" if merged["loss"] == one["loss"] else "DIFFERENT"}')
    return 0 if merged['loss'] == one['loss'] else 1


if __name__ == '__main__':
    sys.exit(main())
