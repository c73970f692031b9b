"""The psij-python executor `agent` (also `psij-agent`): jobs go to a psij-agent, which submits,
tracks and cancels them and keeps them across restarts of this program and of itself.

- `native_id` is the agent's job id; the scheduler's id is in each status's metadata
  (`scheduler_id`).
- One event-stream connection per executor delivers every transition of its jobs, each once and
  in order; after a dropped connection (the agent restarted, was killed, the socket went) it
  resumes from the last event id it delivered, and a job whose events show a gap is read whole.
- A submit carries an Idempotency-Key made from the Job's id, so a submit sent again (after a
  lost reply, by this executor or by the caller) never makes a second job.
"""
import logging
import os
import threading
import time
import urllib.parse
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional

from psij import (InvalidJobException, Job, JobExecutor, JobExecutorConfig, JobState, JobStatus,
                  SubmitException)

from psij_agent import autostart
from psij_agent.endpoint import Endpoint, resolve
from psij_agent.events import EventStream
from psij_agent.http import AgentProblem, AgentUnreachable, Client
from psij_agent.spec import spec_document

logger = logging.getLogger(__name__)

LIVE_STATES = 'NEW,QUEUED,STAGE_IN,ACTIVE,STAGE_OUT,CLEANUP'
SUBMIT_RETRY_S = 60.0
PENDING_KEEP_S = 120.0


class AgentExecutorConfig(JobExecutorConfig):
    """Configuration of the `agent` executor.

    :param backend: the agent executor to use (`pbs`, `slurm`, `sim`, `local`); default the
        URL's `?backend=`, else the agent's default. It is sent with each submit and attach, and
        given to an agent this executor starts.
    :param home: the agent home (default $PSIJ_AGENT_HOME, else ~/.psij-agent): its socket is
        the default endpoint, its token file the default token.
    :param token: the bearer token for an http:// URL (default $PSIJ_AGENT_TOKEN, else the home's
        token file).
    :param autostart: start an agent when none answers on the socket (default True).
    """

    def __init__(self, launcher_log_file: Optional[Path] = None,
                 work_directory: Optional[Path] = None, backend: Optional[str] = None,
                 home: Optional[str] = None, token: Optional[str] = None,
                 autostart: bool = True) -> None:
        super().__init__(launcher_log_file=launcher_log_file, work_directory=work_directory)
        self.backend = backend
        self.home = home
        self.token = token
        self.autostart = autostart


class _Tracked:
    __slots__ = ('job', 'agent_id', 'scheduler_id', 'last_seq', 'lock', 'final')

    def __init__(self, job: Job, agent_id: str) -> None:
        self.job = job
        self.agent_id = agent_id
        self.scheduler_id: Optional[str] = None
        self.last_seq = 0
        self.lock = threading.RLock()
        self.final = False


def _timestamp(iso: Optional[str]) -> Optional[float]:
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso.replace('Z', '+00:00')).timestamp()
    except ValueError:
        return None


class AgentJobExecutor(JobExecutor):
    """Hands jobs to a psij-agent. `url`: `unix:///path/agent.sock` or `http://host:port`, either
    with an optional `?backend=NAME`; default $PSIJ_AGENT_URL, else the home's socket."""

    def __init__(self, url: Optional[str] = None,
                 config: Optional[JobExecutorConfig] = None) -> None:
        if config is None:
            config = AgentExecutorConfig()
        super().__init__(url=url, config=config)
        # No I/O here: psij-python's test suite builds every executor while collecting tests.
        self._env = dict(os.environ)
        self._endpoint: Endpoint = resolve(url, getattr(config, 'backend', None),
                                           getattr(config, 'home', None),
                                           getattr(config, 'token', None), self._env)
        self._autostart = bool(getattr(config, 'autostart', True))
        self._client: Optional[Client] = None
        self._checked = False
        self._lock = threading.RLock()
        # Agent id -> the Jobs following it here (one job may be attached more than once).
        self._jobs: Dict[str, List[_Tracked]] = {}
        self._pending: Dict[str, List[Dict[str, Any]]] = {}
        self._pending_since: Dict[str, float] = {}
        self._inflight = 0
        self._last_event_id = 0
        self._stream_thread: Optional[threading.Thread] = None
        self._stream: Optional[EventStream] = None

    # ---- connection ----------------------------------------------------------------------

    @property
    def endpoint(self) -> Endpoint:
        return self._endpoint

    def _conn(self) -> Client:
        with self._lock:
            if self._client is None:
                self._client = Client(self._endpoint)
            client = self._client
        if not self._checked:
            self._reach(client)
            self._checked = True
        return client

    def _reach(self, client: Client) -> None:
        if self._autostart:
            autostart.ensure_agent(client, self._env)
        elif not autostart.answers(client):
            raise AgentUnreachable('no agent answers at %s' % self._endpoint.describe())

    def _call(self, method: str, path: str, body: Any = None,
              headers: Optional[Dict[str, str]] = None, retry_s: float = 0) -> Any:
        """One request; while nothing answers (an agent restarting) it is sent again for up to
        retry_s seconds, starting an agent if allowed."""
        client = self._conn()
        deadline = time.monotonic() + retry_s
        pause = 0.1
        while True:
            try:
                return client.request(method, path, body, headers)[2]
            except AgentUnreachable:
                if time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 2.0)
            try:
                self._reach(client)
            except AgentUnreachable:
                if time.monotonic() >= deadline:
                    raise

    def _query(self) -> str:
        b = self._endpoint.backend
        return '?executor=' + urllib.parse.quote(b) if b else ''

    # ---- JobExecutor -----------------------------------------------------------------------

    def submit(self, job: Job) -> None:
        spec = self._check_job(job)
        try:
            doc = spec_document(spec)
        except Exception as ex:
            job.executor = None
            raise InvalidJobException('cannot write the job spec for psij-agent: %s' % ex, ex)
        # The key names this Job and this attempt: sent again after a lost reply it finds the
        # first job; after a refusal (the agent stores the refused job FAILED under its key) a
        # new attempt of the same Job gets a new key.
        attempt = getattr(job, '_psij_agent_attempt', 0)
        key = 'psij-python-%s-%d' % (job.id, attempt)
        self._begin()
        try:
            try:
                view = self._call('POST', '/v1/jobs' + self._query(), doc,
                                  {'Idempotency-Key': key}, retry_s=SUBMIT_RETRY_S)
            except AgentProblem as ex:
                job.executor = None
                setattr(job, '_psij_agent_attempt', attempt + 1)
                if ex.status in (400, 413, 422) and (ex.field or '').startswith('$'):
                    raise InvalidJobException(ex.describe(), ex) from None
                raise SubmitException(ex.describe(), ex,
                                      transient=ex.transient or ex.status in (503, 507)) from None
            except AgentUnreachable as ex:
                job.executor = None
                raise SubmitException(str(ex), ex, transient=True) from None
            self._register(job, view)
        finally:
            self._end()

    def cancel(self, job: Job) -> None:
        tracked = self._tracked_of(job)
        try:
            view = self._call('POST', '/v1/jobs/%s/cancel' % urllib.parse.quote(tracked.agent_id),
                              {}, retry_s=SUBMIT_RETRY_S)
        except AgentProblem as ex:
            raise SubmitException(ex.describe(), ex, transient=ex.transient) from None
        except AgentUnreachable as ex:
            raise SubmitException(str(ex), ex, transient=True) from None
        self._apply_view(tracked, view)

    def list(self) -> List[str]:
        """The agent ids of the jobs the agent is following (not yet final), as qstat lists the
        jobs a scheduler has."""
        ids: List[str] = []
        cursor: Optional[str] = None
        while True:
            q = 'state=%s&limit=1000' % LIVE_STATES
            if cursor:
                q += '&cursor=' + urllib.parse.quote(str(cursor))
            try:
                page = self._call('GET', '/v1/jobs?' + q)
            except (AgentProblem, AgentUnreachable) as ex:
                raise SubmitException(str(ex), ex, transient=True) from None
            ids.extend(j['id'] for j in page.get('jobs', []))
            cursor = page.get('nextCursor')
            if not cursor:
                return ids

    def attach(self, job: Job, native_id: str) -> None:
        """Attaches to a job by the agent's id or by the scheduler's native id (one the agent
        does not follow yet is attached in the agent too)."""
        if job.status.state != JobState.NEW:
            raise InvalidJobException('Job must be in the NEW state')
        if job.executor is not None:
            raise InvalidJobException('Job is already associated with an executor')
        job.executor = self
        self._begin()
        try:
            try:
                try:
                    view = self._call('GET', '/v1/jobs/%s' % urllib.parse.quote(native_id, ''),
                                      retry_s=SUBMIT_RETRY_S)
                except AgentProblem as ex:
                    if ex.status != 404:
                        raise
                    body: Dict[str, Any] = {'nativeId': native_id}
                    if self._endpoint.backend:
                        body['executor'] = self._endpoint.backend
                    view = self._call('POST', '/v1/attach', body, retry_s=SUBMIT_RETRY_S)
            except AgentProblem as ex:
                job.executor = None
                if ex.status in (404, 422):
                    raise InvalidJobException(ex.describe(), ex) from None
                raise SubmitException(ex.describe(), ex, transient=ex.transient) from None
            except AgentUnreachable as ex:
                job.executor = None
                raise SubmitException(str(ex), ex, transient=True) from None
            self._register(job, view)
        finally:
            self._end()

    # ---- jobs and their states -------------------------------------------------------------

    def _tracked_of(self, job: Job) -> _Tracked:
        with self._lock:
            for tracked in self._jobs.get(job._native_id or '', []):
                if tracked.job is job:
                    return tracked
        if job._native_id:
            return _Tracked(job, job._native_id)  # final already: the cancel changes nothing
        raise SubmitException('Cannot cancel: the job was not submitted through this executor')

    def _register(self, job: Job, view: Dict[str, Any]) -> None:
        """Follows the job from its view: its history, then what the stream brought before the
        view was in hand. The job's lock is held throughout, so a stream event that arrives
        meanwhile waits and is then seen to be known."""
        agent_id = view['id']
        job._native_id = agent_id
        tracked = _Tracked(job, agent_id)
        with tracked.lock:
            with self._lock:
                self._jobs.setdefault(agent_id, []).append(tracked)
                early = self._pending.pop(agent_id, [])
                self._pending_since.pop(agent_id, None)
            self._apply_view(tracked, view)
            self._apply(tracked, early)

    def _apply_view(self, tracked: _Tracked, view: Dict[str, Any]) -> None:
        if view.get('nativeId'):
            tracked.scheduler_id = view['nativeId']
        self._apply(tracked, view.get('history') or [], whole=True)
        self._maybe_stop_stream()

    def _apply(self, tracked: _Tracked, entries: List[Dict[str, Any]], whole: bool = False) -> None:
        with tracked.lock:
            for e in sorted(entries, key=lambda x: x.get('seq', 0)):
                seq = int(e.get('seq', 0))
                if seq <= tracked.last_seq:
                    continue
                if not whole and seq > tracked.last_seq + 1:
                    # A gap: this executor did not see some of the job's transitions (they came
                    # before it attached, or a stream was lost). The job's history has them all.
                    self._resync(tracked)
                    if seq <= tracked.last_seq:
                        continue
                tracked.last_seq = seq
                self._deliver(tracked, e)

    def _resync(self, tracked: _Tracked) -> None:
        try:
            view = self._call('GET', '/v1/jobs/%s' % urllib.parse.quote(tracked.agent_id),
                              retry_s=SUBMIT_RETRY_S)
        except (AgentProblem, AgentUnreachable) as ex:
            logger.warning('psij-agent: cannot read job %s: %s', tracked.agent_id, ex)
            return
        if view.get('nativeId'):
            tracked.scheduler_id = view['nativeId']
        self._apply(tracked, view.get('history') or [], whole=True)

    def _deliver(self, tracked: _Tracked, e: Dict[str, Any]) -> None:
        state = getattr(JobState, str(e.get('state')), None)
        if not isinstance(state, JobState) or state == JobState.NEW:
            return  # STAGE_IN, STAGE_OUT, CLEANUP: not states of this psij-python
        meta: Dict[str, Any] = dict(e.get('metadata') or {})
        scheduler_id = meta.get('nativeId') or tracked.scheduler_id
        if scheduler_id:
            tracked.scheduler_id = scheduler_id
        meta.update({'agent_job_id': tracked.agent_id, 'scheduler_id': tracked.scheduler_id,
                     'event_id': e.get('eventId'), 'evidence': e.get('evidence')})
        if e.get('schedulerTime'):
            meta['scheduler_time'] = e['schedulerTime']
        status = JobStatus(state, time=_timestamp(e.get('time')), message=e.get('message'),
                           exit_code=e.get('exitCode'), metadata=meta)
        if state.final:
            tracked.final = True
        self._set_job_status(tracked.job, status)
        if state.final:
            with self._lock:
                followers = self._jobs.get(tracked.agent_id, [])
                if tracked in followers:
                    followers.remove(tracked)
                if not followers:
                    self._jobs.pop(tracked.agent_id, None)

    # ---- the event stream ------------------------------------------------------------------

    def _begin(self) -> None:
        """Marks a submit or attach in flight and makes sure the stream runs from before it."""
        with self._lock:
            self._inflight += 1
            running = self._stream_thread is not None
            live = bool(self._jobs)
        if running:
            return
        try:
            client = self._conn()
            start = None
            if not live:
                # Nothing of ours is live: events before now concern no job of this executor.
                health = client.request('GET', '/v1/health')[2]
                start = int(health.get('lastEventId') or 0)
        except (AgentProblem, AgentUnreachable):
            start = None  # submit reports the problem; the stream starts from where it was
        with self._lock:
            if self._stream_thread is None:
                if start is not None:
                    self._last_event_id = max(self._last_event_id, start)
                t = threading.Thread(target=self._run_stream, name='psij-agent-events',
                                     daemon=True)
                self._stream_thread = t
                t.start()

    def _end(self) -> None:
        with self._lock:
            self._inflight -= 1
            if self._inflight == 0:
                self._pending.clear()
                self._pending_since.clear()
        self._maybe_stop_stream()

    def _idle(self) -> bool:
        return self._inflight == 0 and not self._jobs

    def _maybe_stop_stream(self) -> None:
        with self._lock:
            stream = self._stream if self._idle() else None
        if stream is not None:
            stream.close()

    def _run_stream(self) -> None:
        pause = 0.1
        while True:
            with self._lock:
                if self._idle():
                    self._stream_thread = None
                    self._stream = None
                    return
                after = self._last_event_id
            try:
                stream = EventStream(self._endpoint, after)
                with self._lock:
                    self._stream = stream
                pause = 0.1
                for e in stream.events():
                    self._dispatch(e)
                    if self._idle():
                        break
                stream.close()
            except Exception as ex:  # a dropped connection, an agent gone, a damaged store
                logger.debug('psij-agent event stream: %s', ex)
                with self._lock:
                    self._stream = None
                    if self._idle():
                        continue
                time.sleep(pause)
                pause = min(pause * 2, 2.0)
                if self._autostart and self._endpoint.is_unix:
                    try:
                        autostart.ensure_agent(self._client or Client(self._endpoint),
                                               self._env)
                    except Exception as ex2:
                        logger.debug('psij-agent: no agent yet: %s', ex2)

    def _dispatch(self, e: Dict[str, Any]) -> None:
        job_id = e.get('jobId')
        with self._lock:
            self._last_event_id = max(self._last_event_id, int(e.get('eventId', 0)))
            followers = list(self._jobs.get(job_id, []))  # type: ignore[arg-type]
            if not followers:
                if self._inflight > 0 and job_id:
                    # Perhaps a job whose submit has not returned yet: kept until it does.
                    self._pending.setdefault(job_id, []).append(e)
                    self._pending_since.setdefault(job_id, time.monotonic())
                    self._prune_pending()
                return
        for tracked in followers:
            self._apply(tracked, [e])

    def _prune_pending(self) -> None:
        if len(self._pending) < 1000:
            return
        old = time.monotonic() - PENDING_KEEP_S
        for job_id in [j for j, t in self._pending_since.items() if t < old]:
            self._pending.pop(job_id, None)
            self._pending_since.pop(job_id, None)
