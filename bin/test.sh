#!/bin/sh
# npm test: the type check runs beside the build and vitest; the command fails if either fails. Arguments
# (npm test -- --reporter=dot) go to vitest.
tsc --noEmit -p tsconfig.json --incremental --tsBuildInfoFile node_modules/.cache/bce/tsconfig.tsbuildinfo &
tsc_pid=$!
node bin/build.mjs && vitest run --maxWorkers=2 --testTimeout=20000 "$@"
status=$?
wait "$tsc_pid" || status=1
exit "$status"
