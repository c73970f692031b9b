"""Starting an agent when nothing answers, as `psij-agent run` does: `serve --home <home>` in the
background (its own session, output appended to <home>/agent.log), then waiting for its socket.

Two processes racing to start one are both fine: the agent allows one per home, and the loser
exits once the winner answers, so both end up talking to the winner.
"""
import os
import subprocess
import threading
import time
from typing import Dict, Mapping

from psij_agent.endpoint import Endpoint, agent_command
from psij_agent.http import AgentUnreachable, Client

READY_TIMEOUT_S = 60.0
_locks: Dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def answers(client: Client) -> bool:
    try:
        client.request('GET', '/v1/health')
        return True
    except AgentUnreachable:
        return False
    except Exception:
        return True  # it answered, even if with a problem


def ensure_agent(client: Client, env: Mapping[str, str]) -> None:
    """Returns once an agent answers at the client's endpoint, starting one if allowed."""
    ep = client.endpoint
    if answers(client):
        return
    if not ep.is_unix:
        raise AgentUnreachable('no agent answers at %s (an agent is started only for a unix '
                               'socket; start it with: psij-agent serve --listen %s:%s)'
                               % (ep.describe(), ep.host, ep.port))
    with _locks_guard:
        lock = _locks.setdefault(ep.home, threading.Lock())
    with lock:
        if answers(client):
            return
        _start(client, ep, env)


def _start(client: Client, ep: Endpoint, env: Mapping[str, str]) -> None:
    cmd = agent_command(env)
    if cmd is None:
        raise AgentUnreachable('no agent answers at %s and none can be started: put psij-agent '
                               'on PATH or set PSIJ_AGENT_BIN to the command that runs it'
                               % ep.describe())
    os.makedirs(ep.home, mode=0o700, exist_ok=True)
    args = cmd + ['serve', '--home', ep.home]
    backend = ep.backend or env.get('PSIJ_AGENT_EXECUTOR')
    if backend:
        args += ['--executor', backend]
    log_path = os.path.join(ep.home, 'agent.log')
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        child = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=fd, stderr=fd,
                                 start_new_session=True, env=dict(env), close_fds=True)
    except OSError as ex:
        raise AgentUnreachable('could not start an agent with %s: %s' % (args, ex)) from ex
    finally:
        os.close(fd)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        # Read before asking: a child that lost the race to another agent exits only after that
        # one answers, so an exit seen here is followed by one more look at the socket.
        gone = child.poll() is not None
        if answers(client):
            return
        if gone:
            break
        time.sleep(0.05)
    tail = ''
    try:
        with open(log_path) as f:
            tail = ''.join(f.readlines()[-5:])
    except OSError:
        pass
    raise AgentUnreachable('could not start an agent (%s) with %s; last lines of %s:\n%s'
                           % ('it exited with %s' % child.returncode if child.returncode
                              is not None else 'it did not answer in time', ' '.join(args),
                              log_path, tail))
