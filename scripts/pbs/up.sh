#!/usr/bin/env bash
# Brings up the real single-node OpenPBS the project's shared files provide
# (../shared/openpbs/up.sh, or $PSIJ_OPENPBS_DIR/up.sh): the real-PBS tests
# (test/pbs-real/, test/agent-pbs-real/) and `npm run bench:pbs-real` run
# against it. Needs root. Idempotent (a running PBS returns at once).
# Progress goes to stderr; stdout carries only the eval-able `export` lines:
#   eval "$(bash scripts/pbs/up.sh)"
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR="${PSIJ_OPENPBS_DIR:-../shared/openpbs}"
if [ ! -f "$DIR/up.sh" ]; then
  cat >&2 <<MSG
pbs-up: no OpenPBS bundle at $DIR (looked for $DIR/up.sh).
  Needed: the shared OpenPBS 23.06.06 files (up.sh, down.sh, openpbs-23.06.06-\$(uname -m).tar.zst)
  in ../shared/openpbs next to this checkout, or PSIJ_OPENPBS_DIR=<their folder>.
  Or use a PBS you already have: put its qstat/qsub on PATH (the tests look for qstat -B answering).
MSG
  exit 1
fi
[ "$(id -u)" = 0 ] || { echo "pbs-up: must run as root (the shared up.sh installs packages and starts daemons)" >&2; exit 1; }
out="$(bash "$DIR/up.sh")" || { printf '%s\n' "$out" >&2; echo "pbs-up: $DIR/up.sh failed" >&2; exit 1; }
printf '%s\n' "$out" | grep -v '^export ' >&2 || true
# Tests' jobs mostly sleep or wait: let 16 of them run side by side on a
# small machine (PSIJ_PBS_NCPUS; 0 keeps what the MoM reports).
ncpus="${PSIJ_PBS_NCPUS:-16}"
if [ "$ncpus" != 0 ]; then
  node="$(hostname -s 2>/dev/null || hostname)"
  /opt/pbs/bin/qmgr -c "set node $node resources_available.ncpus = $ncpus" >&2 \
    || { echo "pbs-up: could not set ncpus=$ncpus on node $node" >&2; exit 1; }
  echo "pbs-up: node $node offers ncpus=$ncpus (PSIJ_PBS_NCPUS)" >&2
fi
printf '%s\n' "$out" | grep '^export '
