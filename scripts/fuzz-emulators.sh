#!/usr/bin/env bash
# Network-fuzzes the emulators with the settings CI uses, against their committed baselines.
#
#   scripts/fuzz-emulators.sh [--update] [NAME..]   NAME: moto, cognito-local (default: both)
#
# The emulators must be running (scripts/emulators.sh start). Findings go to
# ${FUZZ_OUT:-reports/fuzz}/<name>/. Exits 4 on a finding of a non-timing kind that
# fixtures/fuzz/baselines/<name>.json does not list; --update re-records the baselines instead.
# The seed and the request bound are fixed so that every run draws the same requests: against
# the same emulator version the same findings come back. --duration is only a cap.
set -euo pipefail
cd "$(dirname "$0")/.."

SEED=1
MAX_REQUESTS=1200
DURATION=50s
update=()
if [ "${1:-}" = "--update" ]; then
  update=(--update)
  shift
fi
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(moto cognito-local)
out=${FUZZ_OUT:-reports/fuzz}
bin=${COGNATE:-}
if [ -z "$bin" ]; then
  cargo build --release -q -p cognate
  bin="${CARGO_TARGET_DIR:-target}/release/cognate"
fi

for name in "${names[@]}"; do
  start=$SECONDS
  # --max-findings high enough that every distinct finding is saved and compared.
  "$bin" fuzz --target "$name" --seed "$SEED" --max-requests "$MAX_REQUESTS" \
    --duration "$DURATION" --max-findings 5000 \
    --baseline "fixtures/fuzz/baselines/$name.json" "${update[@]}" --out "$out/$name"
  echo "fuzz-emulators: $name took $((SECONDS - start)) s" >&2
done
