"""A small JSON client for the agent's HTTP API over its unix socket or TCP (standard library only).

Each thread keeps one connection open (the agent keeps connections alive), so a submit costs one
round trip. A request that fails because the connection was dropped is sent again once on a new
connection; every request the executor sends may be repeated (submits carry an Idempotency-Key,
cancel and attach are idempotent).
"""
import http.client
import json
import socket
import threading
from typing import Any, Dict, Optional, Tuple

from psij_agent.endpoint import Endpoint

TIMEOUT_S = 120.0


class AgentUnreachable(Exception):
    """Nothing answers at the endpoint (no socket, connection refused, connection dropped)."""


class AgentProblem(Exception):
    """The agent answered with an RFC 9457 problem."""

    def __init__(self, status: int, problem: Dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        self.field: Optional[str] = problem.get('field')
        self.detail: str = str(problem.get('detail') or problem.get('title') or 'HTTP %d' % status)
        self.transient = bool(problem.get('transient'))
        self.job_id: Optional[str] = problem.get('jobId')
        super().__init__(self.describe())

    def describe(self) -> str:
        where = '%s: ' % self.field if self.field else ''
        return 'psij-agent: %s%s (HTTP %d)' % (where, self.detail, self.status)


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__('agent', timeout=timeout)
        self._path = path

    def connect(self) -> None:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        try:
            s.connect(self._path)
        except OSError:
            s.close()
            raise
        self.sock = s


def open_connection(ep: Endpoint, timeout: Optional[float] = TIMEOUT_S) -> http.client.HTTPConnection:
    if ep.socket_path is not None:
        return _UnixConnection(ep.socket_path, timeout)  # type: ignore[arg-type]
    return http.client.HTTPConnection(ep.host, ep.port, timeout=timeout)


def headers_for(ep: Endpoint, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    h = {'Accept': 'application/json'}
    if ep.socket_path is None:
        token = ep.read_token()
        if token:
            h['Authorization'] = 'Bearer ' + token
    if extra:
        h.update(extra)
    return h


class Client:
    """JSON requests to one endpoint; one kept-alive connection per thread."""

    def __init__(self, ep: Endpoint) -> None:
        self.endpoint = ep
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, 'conn', None)
        if conn is None:
            conn = open_connection(self.endpoint)
            self._local.conn = conn
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, 'conn', None)
        self._local.conn = None
        if conn is not None:
            conn.close()

    def request(self, method: str, path: str, body: Any = None,
                headers: Optional[Dict[str, str]] = None) -> Tuple[int, Dict[str, str], Any]:
        """Sends one request; returns (status, headers, parsed JSON body). Raises AgentProblem for
        an error status, AgentUnreachable when no answer comes."""
        extra = dict(headers or {})
        data = None
        if method != 'GET':
            # The agent refuses any changing request that is not application/json (a browser
            # guard), a body-less cancel too.
            extra['Content-Type'] = 'application/json'
            data = json.dumps(body if body is not None else {}).encode()
        h = headers_for(self.endpoint, extra)
        last: Optional[Exception] = None
        for attempt in range(2):
            reused = getattr(self._local, 'conn', None) is not None
            conn = self._connection()
            try:
                conn.request(method, path, body=data, headers=h)
                resp = conn.getresponse()
                raw = resp.read()
            except (OSError, http.client.HTTPException) as ex:
                self._drop()
                last = ex
                # A kept-alive connection the agent closed (it restarted, or timed it out) is
                # tried once more on a fresh one; a fresh one that fails means nobody answers.
                if reused and attempt == 0:
                    continue
                raise AgentUnreachable('no answer from the agent at %s: %s'
                                       % (self.endpoint.describe(), ex)) from ex
            if resp.getheader('Connection', '').lower() == 'close':
                self._drop()
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = {'detail': raw.decode(errors='replace')[:500]}
            if resp.status >= 400:
                raise AgentProblem(resp.status, parsed if isinstance(parsed, dict) else {})
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, parsed
        raise AgentUnreachable(str(last))

    def close(self) -> None:
        self._drop()
