#!/usr/bin/env bash
# Brings up the real one-host Grid Engine of the project's shared files
# (../shared/sge/up.sh, or $PSIJ_SGE_DIR/up.sh) that test/sge/ and the worked
# example examples/executors/sge/ run against. Needs root. Idempotent.
# stdout carries only `export SGE_ROOT=... SGE_CELL=...`, for eval: PATH is
# left alone, so PBS keeps qstat/qsub/qdel (the example runs Grid Engine's
# own commands from $SGE_ROOT/bin/<arch>).
#   eval "$(bash scripts/sge/up.sh)"
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR="${PSIJ_SGE_DIR:-../shared/sge}"
[ -f "$DIR/up.sh" ] || { echo "sge-up: no Grid Engine bundle at $DIR (looked for $DIR/up.sh)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "sge-up: must run as root (the shared up.sh installs packages and starts daemons)" >&2; exit 1; }
out="$(bash "$DIR/up.sh")" || { printf '%s\n' "$out" >&2; echo "sge-up: $DIR/up.sh failed" >&2; exit 1; }
printf '%s\n' "$out" | grep -v '^export ' >&2 || true
exports="$(printf '%s\n' "$out" | grep '^export ' | tail -1)"
# Only the two variables Grid Engine's commands need.
root="$(eval "$exports"; printf '%s' "${SGE_ROOT:-}")"
cell="$(eval "$exports"; printf '%s' "${SGE_CELL:-default}")"
[ -n "$root" ] || { echo "sge-up: $DIR/up.sh printed no SGE_ROOT" >&2; exit 1; }
printf 'export SGE_ROOT=%q SGE_CELL=%q\n' "$root" "$cell"
