#!/usr/bin/env bash
# psij-python's own test suite, unchanged, against psij-agent through the `agent` executor
# (clients/python), and the plugin's own tests (clients/python/tests).
#
#   bash scripts/psij-python/suite.sh [--backend sim|pbs|slurm|local] [--native EXECUTOR]
#                                     [--junit DIR] [--plugin-tests] [--no-suite] [--bench [N]]
#
# --backend: the agent's executor (default sim: the embedded simulator, 2 nodes × 4 ncpus so
#   the suite's multi-node jobs can run). --native pbs runs the same files with psij-python's own
#   executor instead of `agent` (for the side-by-side on a real PBS; no agent is started).
# --junit DIR: writes DIR/<name>.xml per pytest run (npm test counts them).
# --one-node: the scheduler has one node (the real PBS in CI): the one test that asks for 2 nodes,
#   user_guide/test_resourcespec.py (node_count=2), is deselected, saying so (docs/psij-python.md).
# --few-cpus: its node has fewer than 4 cpus (the private Slurm in CI: the machine's 2): the test
#   that asks for 4 processes, test_nodefile.py with a multi-process launcher, is deselected, saying
#   so (Slurm keeps such a job pending, Reason PartitionConfig, and the test would wait forever).
# --launchers L,...: the launchers to run with (default single,multiple; mpirun is added where it
#   is on PATH); npm test runs psij-python's own pbs executor as two runs at once, one per launcher.
# --bench [N]: then prints bench/psij-python.py's figures (N jobs, default 1000).
# Python: $PSIJ_PYTHON/$PSIJ_PYTHON_SRC/$PYTHONPATH when set, else ../shared/psij-python/setup.sh
# (needs root for apt-get; unpacks into $PSIJ_PYTHON_DIR, default /opt/psij-python). Without either it exits 77 saying why (npm test: skipped, with the
# reason; REQUIRE_PSIJ_PYTHON=1 makes that a failure there).
# Each run gets its own HOME (the suite writes ~/.psij) and agent home, removed at exit.
# Prints how long each part took.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
backend=sim native="" junit="" plugin=0 suite=1 bench="" one_node=0 few_cpus=0 launchers=single,multiple
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) backend=$2; shift 2 ;;
    --native) native=$2; shift 2 ;;
    --junit) junit=$2; shift 2 ;;
    --plugin-tests) plugin=1; shift ;;
    --no-suite) suite=0; shift ;;
    --one-node) one_node=1; shift ;;
    --few-cpus) few_cpus=1; shift ;;
    --launchers) launchers=$2; shift 2 ;;
    --bench)
      bench=1000; shift
      if [[ "${1:-}" =~ ^[0-9]+$ ]]; then bench=$1; shift; fi ;;
    *) echo "suite.sh: unknown argument $1" >&2; exit 64 ;;
  esac
done

if [ -z "${PSIJ_PYTHON_SRC:-}" ]; then
  setup=$root/../shared/psij-python/setup.sh
  if [ ! -f "$setup" ]; then
    echo "psij-python: skipped: no psij-python (PSIJ_PYTHON_SRC unset, $setup absent)" >&2
    exit 77
  fi
  # One setup at a time: npm test runs several suites at once, and a half-unpacked tree (or two
  # apt-gets) must not be seen by another.
  if ! env_lines=$(flock /tmp/psij-python-setup.lock bash "$setup" ${PSIJ_PYTHON_DIR:+"$PSIJ_PYTHON_DIR"} 2>/tmp/psij-python-setup.$$.log); then
    echo "psij-python: skipped: $setup failed: $(tail -3 /tmp/psij-python-setup.$$.log)" >&2
    rm -f /tmp/psij-python-setup.$$.log
    exit 77
  fi
  rm -f /tmp/psij-python-setup.$$.log
  eval "$env_lines"
fi
py=${PSIJ_PYTHON:-python3}
export PYTHONPATH="$root/clients/python${PYTHONPATH:+:$PYTHONPATH}"
if ! "$py" -c 'import psij, pytest, psij_agent' 2>/dev/null; then
  echo "psij-python: skipped: $py cannot import psij, pytest and psij_agent" >&2
  exit 77
fi

tmp=$(mktemp -d /tmp/psij-python-suite.XXXXXX)
agent_pid=""
cleanup() {
  if [ -n "$agent_pid" ]; then kill "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/home/.psij/test" "$tmp/agent"
chmod 700 "$tmp/agent"
export HOME=$tmp/home PSIJ_AGENT_HOME=$tmp/agent
export PSIJ_AGENT_BIN="$root/node_modules/.bin/bun $root/src/main.ts"
[ -n "$junit" ] && mkdir -p "$junit"

start_agent() {
  PSIJ_SIM_NODES=${PSIJ_SIM_NODES:-2} PSIJ_SIM_NCPUS=${PSIJ_SIM_NCPUS:-4} \
    "$root/node_modules/.bin/bun" "$root/src/main.ts" serve --home "$PSIJ_AGENT_HOME" \
    --executor "$backend" >"$tmp/agent.log" 2>&1 &
  agent_pid=$!
  for _ in $(seq 1 600); do
    [ -S "$PSIJ_AGENT_HOME/agent.sock" ] && "$py" -c 'import sys, socket; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$PSIJ_AGENT_HOME/agent.sock" 2>/dev/null && return 0
    kill -0 "$agent_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "psij-python: the agent did not start:" >&2
  tail -20 "$tmp/agent.log" >&2
  exit 1
}

status=0
# The files issue 12 names: the executor, nodefile, resources and issue-435 tests, getting_started,
# and the user_guide tests that take an executor (execparams).
files=(tests/test_executor.py tests/test_nodefile.py tests/test_resources.py tests/test_issue_435.py
  tests/getting_started/ tests/user_guide/test_resourcespec.py
  tests/user_guide/test_scheduling_information.py)
if [ "$suite" = 1 ]; then
  if [ -n "$native" ]; then
    execs="$native:${launchers//,/,$native:}" name="psij-python-native-$native-${launchers//,/-}"
  else
    start_agent
    execs="agent:${launchers//,/,agent:}" name="psij-python-agent-$backend"
  fi
  command -v mpirun >/dev/null && execs="$execs,${native:-agent}:mpirun"
  deselect=()
  if [ "$one_node" = 1 ]; then
    for e in ${execs//,/ }; do
      deselect+=(--deselect "tests/user_guide/test_resourcespec.py::test_user_guide_resourcespec[$e]")
    done
    echo "=== deselected: user_guide/test_resourcespec.py (node_count=2): this scheduler has one node, so the job can never run (PBS: 'Can Never Run: Not enough total nodes available'; docs/psij-python.md)"
  fi
  if [ "$few_cpus" = 1 ]; then
    for e in ${execs//,/ }; do
      [ "${e#*:}" = single ] || deselect+=(--deselect "tests/test_nodefile.py::test_nodefile[$e]")
    done
    echo "=== deselected: test_nodefile.py (process_count=4) with multi-process launchers: this scheduler's node has fewer than 4 cpus, so the job stays pending (Slurm: Reason PartitionConfig; docs/psij-python.md)"
  fi
  t=$SECONDS
  if [ -n "$native" ]; then what="psij-python's own $native executor"; else what="agent backend $backend"; fi
  version=$(cd "$PSIJ_PYTHON_SRC" && "$py" -c 'import psij; print(psij.__version__)')
  echo "=== psij-python $version suite, --executors $execs ($what)"
  # psij-python's own pbs executor waits forever for a job PBS can never run: bounded per test.
  # The whole run is bounded too (CI has 90 minutes for everything): at the limit pytest gets
  # SIGINT and reports what it has; the agent's runs take a few minutes, psij-python's own pbs
  # executor polls slowly (~15 min here).
  per_test=600 limit=${PSIJ_PYTHON_SUITE_LIMIT:-1800}
  [ -n "$native" ] && per_test=180 limit=${PSIJ_PYTHON_NATIVE_LIMIT:-1500}
  (cd "$PSIJ_PYTHON_SRC" && timeout -s INT -k 60 "$limit" "$py" -m pytest -p no:cacheprovider -q -rfEs --timeout "$per_test" \
    ${junit:+--junitxml "$junit/$name.xml"} -o junit_suite_name="$name" \
    "${files[@]}" "${deselect[@]}" --executors "$execs") 2>&1 | grep -v ' DEBUG \|^$\|Legacy keys are deprecated' || status=1
  echo "=== psij-python suite ($name) took $((SECONDS - t)) s"
fi
if [ "$plugin" = 1 ]; then
  t=$SECONDS
  echo "=== psij-agent plugin tests (clients/python/tests)"
  (cd "$root/clients/python" && "$py" -m pytest -p no:cacheprovider -q -rfEs --timeout 900 \
    ${junit:+--junitxml "$junit/psij-agent-plugin.xml"} tests/) || status=1
  echo "=== plugin tests took $((SECONDS - t)) s"
fi
if [ -n "$bench" ]; then
  t=$SECONDS
  echo "=== psij-python figures (bench/psij-python.py $bench)"
  "$py" "$root/bench/psij-python.py" "$bench" || status=1
  echo "=== figures took $((SECONDS - t)) s"
fi
exit $status
