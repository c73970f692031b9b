#!/usr/bin/env bash
# Stops the private Slurm started by up.sh (slurmd, slurmctld, slurmdbd and its MariaDB when
# started with --accounting, munged). Removes nothing.
# Idempotent: a daemon that is not running is skipped.
set -euo pipefail

DIR="${SLURM_LOCAL_DIR:-/tmp/psij-slurm}"
log() { echo "slurm-down: $*" >&2; }

stop() { # name pidfile
  local pidfile="$2" pid
  if [ ! -s "$pidfile" ] || ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    log "$1 not running"
    return 0
  fi
  pid="$(cat "$pidfile")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || { log "$1 stopped"; return 0; }
    sleep 0.2
  done
  log "$1 (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL"
  kill -9 "$pid" 2>/dev/null || true
}

stop slurmd "$DIR/slurmd.pid"
stop slurmctld "$DIR/slurmctld.pid"
stop slurmdbd "$DIR/slurmdbd.pid"
stop mariadbd "$DIR/mariadb/mysqld.pid"
stop munged "$DIR/munge/munged.pid"
