#!/usr/bin/env bash
# Regenerates docs/conformance.md: one `cognate run` per target, then `cognate conformance`.
#
#   scripts/conformance.sh                               # the reference target alone
#   scripts/conformance.sh reference moto cognito-local  # once those profiles are wired
#   scripts/conformance.sh reference mine=http://127.0.0.1:5000
#
# Each argument is a target as `cognate run --target` takes it, optionally named NAME=TARGET
# (the name is the document's column). No answer depends on the order cases arrive in, so the
# document is the same on every run against the same target versions. COGNATE_SEED (default 1) and
# COGNATE_CONFORMANCE_OUT (default docs/conformance.md) change the seed and the output file.
set -euo pipefail
cd "$(dirname "$0")/.."

seed=${COGNATE_SEED:-1}
out=${COGNATE_CONFORMANCE_OUT:-docs/conformance.md}
[ $# -gt 0 ] || set -- reference

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cargo build --release -q -p cognate
cognate() { cargo run --release -q -p cognate -- "$@"; }

reports=()
for spec in "$@"; do
  name=${spec%%=*}
  target=${spec#*=}
  rc=0
  cognate run --quiet --seed "$seed" --target "$target" \
    --report-dir "$scratch/$name" >/dev/null || rc=$?
  # 0 (every case passed) and 4 (some failed) are results; anything else broke the run.
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ]; then
    echo "cognate run --target $target exited $rc" >&2
    exit "$rc"
  fi
  reports+=(--report "$name=$scratch/$name/report.json")
done

cognate conformance "${reports[@]}" --out "$out"
