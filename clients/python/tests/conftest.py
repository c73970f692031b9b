"""A real agent (this checkout's `bun src/main.ts serve`) in a fresh home for each test."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

from psij import Job, JobExecutor, JobState, JobStatus
from psij.job_state import JobStateOrder
from psij_agent.endpoint import resolve
from psij_agent.executor import AgentExecutorConfig
from psij_agent.http import AgentUnreachable, Client

ROOT = Path(__file__).resolve().parents[3]
BUN = ROOT / 'node_modules' / '.bin' / 'bun'
MAIN = ROOT / 'src' / 'main.ts'
AGENT_BIN = '%s %s' % (BUN, MAIN)


def until(cond: Any, seconds: float = 60.0, what: str = 'condition') -> None:
    end = time.monotonic() + seconds
    while not cond():
        if time.monotonic() > end:
            raise AssertionError('timed out after %s s waiting for %s' % (seconds, what))
        time.sleep(0.05)


class Agent:
    """One agent home; the agent in it started, stopped and killed by the test."""

    def __init__(self, home: str, backend: str, env: Dict[str, str]) -> None:
        self.home = home
        self.backend = backend
        self.env = env
        self.proc: Optional[subprocess.Popen] = None  # type: ignore[type-arg]
        self.client = Client(resolve(None, None, home, None, {}))

    def start(self) -> None:
        log = open(os.path.join(self.home, 'test-agent.log'), 'a')
        self.proc = subprocess.Popen([str(BUN), str(MAIN), 'serve', '--home', self.home,
                                      '--executor', self.backend], stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL, env=self.env,
                                     start_new_session=True)
        log.close()
        until(self.answers, 60, 'the agent to answer')

    def answers(self) -> bool:
        try:
            self.client.request('GET', '/v1/health')
            return True
        except AgentUnreachable:
            return False

    def pid(self) -> int:
        return int(self.get('/v1/health')['pid'])

    def get(self, path: str) -> Any:
        return self.client.request('GET', path)[2]

    def kill9(self) -> None:
        """SIGKILL to whatever agent answers now (perhaps one the plugin started)."""
        pid = self.pid()
        os.kill(pid, signal.SIGKILL)
        if self.proc is not None and self.proc.pid == pid:
            self.proc.wait()
        until(lambda: not self.answers(), 30, 'the killed agent to stop answering')

    def stop(self) -> None:
        try:
            pid = self.pid()
        except Exception:
            pid = None
        if pid is not None:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            until(lambda: not self.answers(), 60, 'the agent to stop')
            until(lambda: not os.path.exists('/proc/%d' % pid) or _zombie(pid), 60,
                  'the agent process to exit')
        if self.proc is not None:
            self.proc.wait(timeout=60)

    def executor(self, autostart: bool = False, backend: Optional[str] = None) -> JobExecutor:
        return JobExecutor.get_instance('agent', config=AgentExecutorConfig(
            home=self.home, autostart=autostart, backend=backend))


def _zombie(pid: int) -> bool:
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] == 'Z'
    except OSError:
        return True


class Recorder:
    """Every status a Job's callback sees, per job, in the order seen."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: Dict[str, List[JobStatus]] = {}

    def watch(self, job: Job) -> Job:
        def cb(j: Job, st: JobStatus) -> None:
            with self.lock:
                self.seen.setdefault(j.id, []).append(st)
        job.set_job_status_callback(cb)
        return job

    def states(self, job: Job) -> List[str]:
        with self.lock:
            return [s.state.name for s in self.seen.get(job.id, [])]


PSIJ_STATES = {'QUEUED', 'ACTIVE', 'COMPLETED', 'FAILED', 'CANCELED'}


def agent_states(agent: Agent, agent_id: str) -> Tuple[List[str], Dict[str, Any]]:
    """The states a psij-python Job must show for what the agent stored: its history's states that
    psij-python 0.9.11 has, each passed through psij-python's own rule (an earlier state is
    ignored, a skipped intermediate state is filled in first)."""
    view = agent.get('/v1/jobs/' + agent_id)
    out: List[str] = []
    cur = [JobState.NEW]

    def put(nxt: JobState) -> None:
        if nxt == cur[0] or cur[0].is_greater_than(nxt):
            return
        prev = JobStateOrder.prev(nxt)
        if prev is not None and prev != cur[0]:
            put(prev)
        out.append(nxt.name)
        cur[0] = nxt
    for h in view['history']:
        if h['state'] in PSIJ_STATES:
            put(getattr(JobState, h['state']))
    return out, view


@pytest.fixture
def make_agent():
    made: List[Agent] = []
    homes: List[str] = []
    saved = dict(os.environ)

    def make(backend: str = 'sim', nodes: int = 1, ncpus: int = 4) -> Agent:
        # Short, private paths: a unix socket path has ~100 bytes at most.
        home = tempfile.mkdtemp(prefix='pa-', dir='/tmp')
        os.chmod(home, 0o700)
        homes.append(home)
        env = dict(os.environ, PSIJ_SIM_NODES=str(nodes), PSIJ_SIM_NCPUS=str(ncpus))
        env.pop('PSIJ_AGENT_URL', None)
        # What the plugin itself starts when it finds no agent (the kill -9 test).
        os.environ.update(PSIJ_AGENT_BIN=AGENT_BIN, PSIJ_SIM_NODES=str(nodes),
                          PSIJ_SIM_NCPUS=str(ncpus))
        os.environ.pop('PSIJ_AGENT_URL', None)
        a = Agent(home, backend, env)
        a.start()
        made.append(a)
        return a

    yield make
    for a in made:
        try:
            a.stop()
        except Exception:
            pass
    for h in homes:
        shutil.rmtree(h, ignore_errors=True)
    os.environ.clear()
    os.environ.update(saved)


def final_view(agent: Agent, agent_id: str, seconds: float = 120.0) -> Dict[str, Any]:
    box: Dict[str, Any] = {}

    def done() -> bool:
        box['v'] = agent.get('/v1/jobs/' + agent_id)
        return box['v']['state'] in ('COMPLETED', 'FAILED', 'CANCELED')
    until(done, seconds, 'job %s to be final in the agent' % agent_id)
    return box['v']


def dump(o: Any) -> str:
    return json.dumps(o, indent=1, default=str)


__all__ = ['Agent', 'Recorder', 'agent_states', 'final_view', 'until', 'dump', 'JobState']
