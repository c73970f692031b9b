#!/usr/bin/env bash
# Stops the Grid Engine of scripts/sge/up.sh (../shared/sge/down.sh; --purge
# deletes every pending job first).
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR="${PSIJ_SGE_DIR:-../shared/sge}"
[ -f "$DIR/down.sh" ] || exit 0
bash "$DIR/down.sh" "$@"
