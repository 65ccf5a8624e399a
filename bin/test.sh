#!/bin/sh
# npm test: the type check runs beside the build and vitest; the command fails if either fails. Arguments
# (npm test -- --reporter=dot) go to vitest.
# the tests' temporary files go in one directory, removed at the end whatever the outcome
TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/bce-test.XXXXXX") || exit 1
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
tsc --noEmit -p tsconfig.json --incremental --tsBuildInfoFile node_modules/.cache/bce/tsconfig.tsbuildinfo &
tsc_pid=$!
node bin/build.mjs && vitest run --maxWorkers=2 --testTimeout=20000 "$@"
status=$?
wait "$tsc_pid" || status=1
exit "$status"
