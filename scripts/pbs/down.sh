#!/usr/bin/env bash
# Stops the OpenPBS started by scripts/pbs/up.sh (jobs and history are kept;
# `--purge` removes the install). Says what is needed when the shared files are absent.
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR="${PSIJ_OPENPBS_DIR:-../shared/openpbs}"
if [ ! -f "$DIR/down.sh" ]; then
  echo "pbs-down: no OpenPBS bundle at $DIR (looked for $DIR/down.sh; set PSIJ_OPENPBS_DIR to its folder)" >&2
  exit 1
fi
[ "$(id -u)" = 0 ] || { echo "pbs-down: must run as root" >&2; exit 1; }
exec bash "$DIR/down.sh" "$@"
