#!/usr/bin/env bash
# Records real squeue/sbatch/scancel output from the running private Slurm into
# test/slurm/fixtures/ (byte for byte), for the parser tests. Needs `up.sh` first.
# Cancels every job of this user before it starts. Takes about 2.5 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=test/slurm/fixtures
mkdir -p "$OUT"
: "${SLURM_CONF:=${SLURM_LOCAL_DIR:-/tmp/psij-slurm}/slurm.conf}"
export SLURM_CONF
WORK="$(mktemp -d)"
cd "$WORK"
S=$'\x1f'
# Must equal SQUEUE_FORMAT in src/executors/slurm/parse.ts.
FMT="JobID:$S,State:$S,Reason:$S,exit_code:$S,StartTime:$S,EndTime:$S,Name:"
ROOT="$OLDPWD"
snap() { # name [squeue args...]
  local name="$1"; shift
  set +e
  squeue --noheader -t all -O "$FMT" "$@" >"$ROOT/$OUT/$name.out" 2>"$ROOT/$OUT/$name.err"
  echo $? >"$ROOT/$OUT/$name.rc"
  set -e
  echo "recorded $name: $(tr '\037' '|' <"$ROOT/$OUT/$name.out" | tr '\n' ';')" >&2
}
sub() { sbatch --parsable -o /dev/null -e /dev/null "$@"; }
waitstate() { # id state [seconds]
  for _ in $(seq 1 "${3:-120}"); do
    [ "$(squeue --noheader -t all -j "$1" -o %T 2>/dev/null)" = "$2" ] && return 0
    sleep 1
  done
  echo "job $1 never reached $2" >&2; return 1
}

scancel -u "$(id -un)" || true
sleep 6

# States reached in seconds.
ok=$(sub -J completed --wrap 'true')
bad=$(sub -J failed-3 --wrap 'exit 3')
waitstate "$bad" FAILED 30
waitstate "$ok" COMPLETED 30
run=$(sub -J running --wrap 'sleep 300')
waitstate "$run" RUNNING
pend=$(sub -J pending-res -c "$(nproc)" --wrap 'sleep 1')
held=$(sub -J held -H --wrap 'true')
later=$(sub -J begin-later --begin=now+3600 --wrap 'true')
name=$(sub -J "odd name | with $S sep" --begin=now+3600 --wrap 'true')
sleep 2
snap mixed-states
scontrol suspend "$run"
waitstate "$run" SUSPENDED 10
snap suspended -j "$run"
scontrol resume "$run"
scancel "$later"
waitstate "$later" CANCELLED 10
snap cancelled-pending -j "$later"
scancel "$run"
waitstate "$run" CANCELLED 20
snap cancelled-running -j "$run"
snap one-unknown-id -j "$ok,999999"
snap all-unknown -j 999999
snap me --me
scancel "$pend" "$held" "$name"

# Requeue: RUNNING -> REQUEUED/PENDING; requeuehold specialexit -> SPECIAL_EXIT.
rq=$(sub -J requeue --wrap 'sleep 300')
waitstate "$rq" RUNNING
scontrol requeue "$rq"
snap requeued -j "$rq"
sleep 2
snap requeued-later -j "$rq"
scancel "$rq"
sx=$(sub -J special --wrap 'sleep 300')
waitstate "$sx" RUNNING
scontrol requeuehold State=SpecialExit "$sx"
sleep 2
snap special-exit -j "$sx"
scancel "$sx"

# Deadline: cannot finish before its deadline.
dl=$(sub -J deadline --deadline=now+60 --time=10 -c "$(nproc)" --begin=now+30 --wrap 'true')
# Walltime: 1 minute limit exceeded.
to=$(sub -J timeout --time=1 --wrap 'sleep 300')
waitstate "$to" TIMEOUT 200
snap timeout -j "$to"
waitstate "$dl" DEADLINE 60 && snap deadline -j "$dl" || true

# Other commands' output, for their parsers.
scancel "$ok" >"$ROOT/$OUT/scancel-finished.out" 2>"$ROOT/$OUT/scancel-finished.err"; echo $? >"$ROOT/$OUT/scancel-finished.rc"
set +e
sbatch --parsable -p nosuchpartition --wrap true >"$ROOT/$OUT/sbatch-bad-partition.out" 2>"$ROOT/$OUT/sbatch-bad-partition.err"; echo $? >"$ROOT/$OUT/sbatch-bad-partition.rc"
SLURM_CONF=/nonexistent squeue --noheader >"$ROOT/$OUT/squeue-no-conf.out" 2>"$ROOT/$OUT/squeue-no-conf.err"; echo $? >"$ROOT/$OUT/squeue-no-conf.rc"
set -e
squeue --version >"$ROOT/$OUT/VERSION"
rm -rf "$WORK"
echo "fixtures in $OUT" >&2
