"""Where the agent is: parsed from the executor's url, the config and the environment.

Pure: nothing here opens a file or a socket (psij-python constructs every registered executor
while its test suite collects tests, so construction must do no I/O). The token file is read
when a TCP request is first made.
"""
import os
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import List, Mapping, Optional
from urllib.parse import parse_qs, urlsplit

BACKENDS = ('pbs', 'slurm', 'sim', 'local')


@dataclass(frozen=True)
class Endpoint:
    """A unix socket path or a TCP host:port, the agent home it belongs to, and the backend."""

    socket_path: Optional[str]
    host: Optional[str]
    port: Optional[int]
    home: str
    backend: Optional[str]
    token: Optional[str]

    @property
    def is_unix(self) -> bool:
        return self.socket_path is not None

    def describe(self) -> str:
        if self.socket_path is not None:
            return 'unix://' + self.socket_path
        return 'http://%s:%s' % (self.host, self.port)

    def read_token(self) -> Optional[str]:
        """The bearer token for TCP: given, else $PSIJ_AGENT_TOKEN (in `token`), else <home>/token."""
        if self.token:
            return self.token
        try:
            with open(os.path.join(self.home, 'token')) as f:
                return f.read().strip() or None
        except OSError:
            return None


def default_home(env: Mapping[str, str]) -> str:
    home = env.get('PSIJ_AGENT_HOME')
    if home:
        return os.path.abspath(os.path.expanduser(home))
    return os.path.join(os.path.expanduser('~'), '.psij-agent')


def resolve(url: Optional[str], backend: Optional[str], home: Optional[str],
            token: Optional[str], env: Mapping[str, str]) -> Endpoint:
    """The endpoint for an executor: `url` (unix:///path/agent.sock or http://host:port, either
    with an optional ?backend=NAME), else $PSIJ_AGENT_URL, else <home>/agent.sock. The backend is
    the config's, else the URL's, else None (the agent's default)."""
    the_url = url or env.get('PSIJ_AGENT_URL') or None
    the_home = os.path.abspath(os.path.expanduser(home)) if home else default_home(env)
    the_token = token or env.get('PSIJ_AGENT_TOKEN') or None
    url_backend = None
    if the_url is None:
        return _checked(Endpoint(os.path.join(the_home, 'agent.sock'), None, None, the_home,
                                 backend, the_token))
    if the_url.startswith('/'):
        the_url = 'unix://' + the_url
    parts = urlsplit(the_url)
    query = parse_qs(parts.query, keep_blank_values=True)
    for key in query:
        if key != 'backend':
            raise ValueError('psij-agent url %r: unknown query parameter %r (only backend)'
                             % (the_url, key))
    if 'backend' in query:
        url_backend = query['backend'][-1]
    chosen_backend = backend or url_backend
    if parts.scheme == 'unix':
        path = (parts.netloc + parts.path) if parts.netloc else parts.path
        if not path.startswith('/'):
            raise ValueError('psij-agent url %r: a unix socket path must be absolute' % the_url)
        # The socket of another home: an agent started for it serves that home.
        sock_home = os.path.dirname(path) if os.path.basename(path) == 'agent.sock' else the_home
        return _checked(Endpoint(path, None, None, home and the_home or sock_home,
                                 chosen_backend, the_token))
    if parts.scheme == 'http':
        if not parts.hostname or parts.port is None:
            raise ValueError('psij-agent url %r: needs a host and a port' % the_url)
        if parts.path not in ('', '/'):
            raise ValueError('psij-agent url %r: takes no path (the API is under /v1)' % the_url)
        return _checked(Endpoint(None, parts.hostname, parts.port, the_home, chosen_backend,
                                 the_token))
    raise ValueError('psij-agent url %r: the scheme must be unix:// or http://' % the_url)


def _checked(ep: Endpoint) -> Endpoint:
    if ep.backend is not None and ep.backend not in BACKENDS:
        raise ValueError('psij-agent backend %r: must be one of %s'
                         % (ep.backend, ', '.join(BACKENDS)))
    return ep


def agent_command(env: Mapping[str, str]) -> Optional[List[str]]:
    """How to start an agent: $PSIJ_AGENT_BIN (a command line, split as a shell would), else
    `psij-agent` on PATH, else, when this package is used from a psij-agent checkout
    (clients/python inside the repository), that checkout's `bun src/main.ts`."""
    given = env.get('PSIJ_AGENT_BIN')
    if given:
        return shlex.split(given)
    on_path = shutil.which('psij-agent', path=env.get('PATH'))
    if on_path:
        return [on_path]
    repo = Path(__file__).resolve().parents[3]
    main = repo / 'src' / 'main.ts'
    bun = repo / 'node_modules' / '.bin' / 'bun'
    if main.is_file() and bun.exists():
        return [str(bun), str(main)]
    return None
