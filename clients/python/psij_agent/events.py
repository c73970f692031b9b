"""One Server-Sent Events connection to `GET /v1/events`, read frame by frame.

The stream is the agent's event log (each stored transition once, in order, its id the store's),
so a reader that reconnects with `Last-Event-ID` misses nothing and repeats nothing.
"""
import http.client
import json
from typing import Any, Dict, Iterator, Optional

from psij_agent.endpoint import Endpoint
from psij_agent.http import AgentProblem, headers_for, open_connection

# The agent sends a keep-alive comment every 15 s: a read that waits longer means the
# connection is dead (a host that vanished without closing it).
READ_TIMEOUT_S = 45.0


class EventStream:
    def __init__(self, ep: Endpoint, after: int) -> None:
        self._conn = open_connection(ep, timeout=READ_TIMEOUT_S)
        self._conn.request('GET', '/v1/events',
                           headers=headers_for(ep, {'Accept': 'text/event-stream',
                                                    'Last-Event-ID': str(after)}))
        resp = self._conn.getresponse()
        if resp.status != 200:
            body = resp.read()
            try:
                problem = json.loads(body)
            except ValueError:
                problem = {'detail': body.decode(errors='replace')[:300]}
            self._conn.close()
            raise AgentProblem(resp.status, problem if isinstance(problem, dict) else {})
        self._resp: Optional[http.client.HTTPResponse] = resp

    def events(self) -> Iterator[Dict[str, Any]]:
        """The `transition` events' data, until the stream ends. An `error` event (the agent could
        not read its stored events) raises AgentProblem."""
        assert self._resp is not None
        kind = 'message'
        data = []
        while True:
            line = self._resp.readline()
            if not line:
                return
            text = line.decode('utf-8').rstrip('\r\n')
            if text == '':
                if data:
                    payload = '\n'.join(data)
                    if kind == 'transition':
                        yield json.loads(payload)
                    elif kind == 'error':
                        raise AgentProblem(500, json.loads(payload))
                kind, data = 'message', []
            elif text.startswith(':'):
                continue
            else:
                name, _, value = text.partition(':')
                value = value[1:] if value.startswith(' ') else value
                if name == 'event':
                    kind = value
                elif name == 'data':
                    data.append(value)

    def close(self) -> None:
        """Ends the stream from another thread: its reader sees the end at once."""
        sock = getattr(self._conn, 'sock', None)
        try:
            if sock is not None:
                import socket
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._conn.close()
