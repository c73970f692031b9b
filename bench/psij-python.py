"""Figures: N /bin/true jobs from Python through the agent's `local` backend (executor `agent`)
beside psij-python's own `local` executor, measured the same way in the same run. Prints; never
judges.

    eval "$(bash ../shared/psij-python/setup.sh)"
    PYTHONPATH=clients/python:$PYTHONPATH "$PSIJ_PYTHON" bench/psij-python.py [jobs]

Two shapes per executor: all N submitted at once from one thread, then all waited for (jobs/s
from the first submit to the last end); and 8 threads each submitting one job and waiting for it
before the next (8 in flight). p50/p99: submit → COMPLETED of each job, seen by its callback.
The agent runs from this checkout (`bun src/main.ts serve --executor local`) in a fresh home.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import List, Tuple

from psij import Job, JobExecutor, JobSpec, JobState

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _job(latencies: List[float], done: threading.Semaphore) -> Tuple[Job, List[float]]:
    start = [0.0]
    job = Job(JobSpec('/bin/true'))

    def cb(j: Job, st) -> None:  # type: ignore[no-untyped-def]
        if st.state.final:
            if st.state != JobState.COMPLETED:
                print('job ended %s: %s' % (st.state, st.message), file=sys.stderr)
            latencies.append(time.monotonic() - start[0])
            done.release()
    job.set_job_status_callback(cb)
    return job, start


def all_at_once(ex: JobExecutor, n: int) -> Tuple[float, List[float]]:
    lat: List[float] = []
    done = threading.Semaphore(0)
    jobs = [_job(lat, done) for _ in range(n)]
    t0 = time.monotonic()
    for job, start in jobs:
        start[0] = time.monotonic()
        ex.submit(job)
    for _ in range(n):
        done.acquire(timeout=600)
    return time.monotonic() - t0, lat


def in_flight(ex: JobExecutor, n: int, threads: int = 8) -> Tuple[float, List[float]]:
    lat: List[float] = []
    done = threading.Semaphore(0)
    left = [n]
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            job, start = _job(lat, done)
            start[0] = time.monotonic()
            ex.submit(job)
            job.wait()
    t0 = time.monotonic()
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return time.monotonic() - t0, lat


def pct(xs: List[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(p * len(s)))] * 1000 if s else float('nan')


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    home = tempfile.mkdtemp(prefix='pb-', dir='/tmp')
    os.environ['PSIJ_AGENT_HOME'] = home
    bun = os.path.join(ROOT, 'node_modules', '.bin', 'bun')
    log = open(os.path.join(home, 'bench-agent.log'), 'w')
    agent = subprocess.Popen([bun, os.path.join(ROOT, 'src', 'main.ts'), 'serve', '--home', home,
                              '--executor', 'local'], stdout=log, stderr=log,
                             start_new_session=True)
    try:
        from psij_agent.executor import AgentExecutorConfig
        agent_ex = JobExecutor.get_instance('agent', config=AgentExecutorConfig(
            home=home, autostart=False))
        deadline = time.monotonic() + 60
        from psij_agent import autostart
        from psij_agent.http import Client
        while not autostart.answers(Client(agent_ex.endpoint)):  # type: ignore[attr-defined]
            if time.monotonic() > deadline:
                raise SystemExit('the agent did not start; see %s' % log.name)
            time.sleep(0.1)
        local_ex = JobExecutor.get_instance('local')
        # One warm-up job each: imports, connections, the agent's first submit.
        for ex in (agent_ex, local_ex):
            j = Job(JobSpec('/bin/true'))
            ex.submit(j)
            j.wait()
        rows = []
        for label, ex in (('agent (local backend)', agent_ex), ('psij-python local', local_ex)):
            for shape, fn in (('all at once', all_at_once), ('8 in flight', in_flight)):
                secs, lat = fn(ex, n)
                rows.append((label, shape, n / secs, pct(lat, 0.5), pct(lat, 0.99)))
        print('psij-python figures: %d /bin/true jobs each, submit -> COMPLETED (this machine, '
              'load average %.1f)' % (n, os.getloadavg()[0]))
        print('%-24s %-12s %10s %10s %10s' % ('executor', 'shape', 'jobs/s', 'p50 ms', 'p99 ms'))
        for label, shape, rate, p50, p99 in rows:
            print('%-24s %-12s %10.0f %10.1f %10.1f' % (label, shape, rate, p50, p99))
        a = {r[1]: r for r in rows if r[0].startswith('agent')}
        b = {r[1]: r for r in rows if not r[0].startswith('agent')}
        for shape in a:
            print('%s: agent %.1fx the jobs/s of psij-python local' %
                  (shape, a[shape][2] / b[shape][2]))
    finally:
        agent.send_signal(signal.SIGTERM)
        try:
            agent.wait(timeout=60)
        except subprocess.TimeoutExpired:
            agent.kill()
        log.close()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == '__main__':
    main()
