"""The `agent` executor against a real agent: restarts, kill -9, a second process attaching,
hostile strings, errors, 1,000 jobs from 8 threads."""
import json
import shutil
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta

import pytest

from conftest import Recorder, agent_states, dump, final_view, until
from psij import (InvalidJobException, Job, JobAttributes, JobExecutor, JobSpec, JobState,
                  ResourceSpecV1, SubmitException)
from psij_agent.endpoint import resolve
from psij_agent.executor import AgentExecutorConfig

WAIT = timedelta(seconds=180)


def _check_each_once_in_order(agent, rec, jobs):
    """Every Job ends in the state the agent stored, with the exit code it stored, having seen
    each of its transitions once, in the agent's order."""
    for job in jobs:
        status = job.wait(timeout=WAIT)
        assert status is not None, 'job %s never became final' % job.native_id
        expected, view = agent_states(agent, job.native_id)
        assert status.state.name == view['state'], dump(view)
        assert status.exit_code == view.get('exitCode'), dump(view)
        assert rec.states(job) == expected, (rec.states(job), dump(view))


def test_constructing_does_no_io_and_urls_resolve(tmp_path):
    before = set(os.listdir(tmp_path))
    ex = JobExecutor.get_instance('agent', url='unix://%s/agent.sock' % tmp_path)
    assert ex.endpoint.socket_path == '%s/agent.sock' % tmp_path
    assert ex.endpoint.home == str(tmp_path)
    assert set(os.listdir(tmp_path)) == before, 'the constructor touched the home'
    assert JobExecutor.get_instance('psij-agent').name == 'psij-agent'
    ep = resolve('http://127.0.0.1:8765?backend=pbs', None, str(tmp_path), None,
                 {'PSIJ_AGENT_TOKEN': 't0k'})
    assert (ep.host, ep.port, ep.backend, ep.read_token()) == ('127.0.0.1', 8765, 'pbs', 't0k')
    ep = resolve(None, 'local', None, None, {'PSIJ_AGENT_URL': 'unix:///x/agent.sock?backend=sim',
                                             'PSIJ_AGENT_HOME': '/h'})
    assert (ep.socket_path, ep.home, ep.backend) == ('/x/agent.sock', '/x', 'local')
    ep = resolve(None, None, None, None, {'PSIJ_AGENT_HOME': '/h'})
    assert ep.socket_path == '/h/agent.sock'
    for bad in ('ftp://x', 'http://host-without-port', 'unix://relative', 'http://h:1?x=1'):
        with pytest.raises(ValueError):
            resolve(bad, None, None, None, {})
    with pytest.raises(ValueError, match='backend'):
        resolve('http://h:1?backend=nope', None, None, None, {})


def test_submit_wait_list_cancel_and_scheduler_id(make_agent):
    agent = make_agent('sim')
    ex = agent.executor()
    rec = Recorder()
    long = rec.watch(Job(JobSpec('/bin/sleep', ['60'])))
    ex.submit(long)
    assert long.native_id in ex.list()
    long.wait(target_states=[JobState.ACTIVE], timeout=WAIT)
    ex.cancel(long)
    status = long.wait(timeout=WAIT)
    assert status.state == JobState.CANCELED
    assert status.metadata['scheduler_id'].endswith('.pbs-sim')
    assert status.metadata['agent_job_id'] == long.native_id
    assert long.native_id not in ex.list()
    _check_each_once_in_order(agent, rec, [long])


def test_a_refused_spec_is_invalid_job_naming_the_field(make_agent):
    agent = make_agent('sim')
    ex = agent.executor()
    job = Job(JobSpec('/bin/true', attributes=JobAttributes(custom_attributes={'no dot': 1})))
    with pytest.raises(InvalidJobException, match=r'\$\.attributes\.custom_attributes'):
        ex.submit(job)
    assert job.status.state == JobState.NEW
    assert agent.get('/v1/jobs')['jobs'] == [], 'a refused spec stores nothing'
    refused = Job(JobSpec('/bin/true', attributes=JobAttributes(queue_name='no_such_queue')))
    with pytest.raises(SubmitException, match='Unknown queue'):
        ex.submit(refused)
    assert refused.status.state == JobState.NEW


def test_the_same_job_submitted_twice_is_one_agent_job(make_agent):
    agent = make_agent('local')
    ex = agent.executor()
    job = Job(JobSpec('/bin/true'))
    ex.submit(job)
    job.wait(timeout=WAIT)
    # What a submit sent again after a lost reply does: the same key, the same job.
    from psij_agent.spec import spec_document
    view = ex._call('POST', '/v1/jobs', spec_document(job.spec),
                    {'Idempotency-Key': 'psij-python-%s-0' % job.id})
    assert view['id'] == job.native_id
    assert len(agent.get('/v1/jobs')['jobs']) == 1


def test_reconnect_after_the_agent_restarts(make_agent):
    agent = make_agent('sim', nodes=1, ncpus=2)
    # The executor reaches the agent through a link the test can take away: cut off while the
    # agent restarts and until every job has ended, it must resume from its last event id.
    link = os.path.join(tempfile.mkdtemp(prefix='pl-', dir='/tmp'), 's')
    sock = os.path.join(agent.home, 'agent.sock')
    os.symlink(sock, link)
    ex = JobExecutor.get_instance('agent', url='unix://' + link,
                                  config=AgentExecutorConfig(home=agent.home, autostart=False))
    rec = Recorder()
    jobs = [rec.watch(Job(JobSpec('/bin/sh', ['-c', 'sleep 2; exit %d' % (i % 3)])))
            for i in range(6)]
    for j in jobs:
        ex.submit(j)
    jobs[0].wait(target_states=[JobState.ACTIVE], timeout=WAIT)
    os.unlink(link)
    try:
        live = [j for j in jobs if not j.status.state.final]
        assert live, 'every job ended before the restart: nothing to prove'
        agent.stop()
        agent.start()
        q = 'state=NEW,QUEUED,STAGE_IN,ACTIVE,STAGE_OUT,CLEANUP'
        until(lambda: agent.get('/v1/jobs?' + q)['jobs'] == [], 120,
              'the jobs to end while the executor is cut off')
        assert not any(j.status.state.final for j in live), 'seen while cut off?'
    finally:
        os.symlink(sock, link)
    _check_each_once_in_order(agent, rec, jobs)
    shutil.rmtree(os.path.dirname(link), ignore_errors=True)


def test_kill9_while_jobs_run_the_plugin_restarts_the_agent(make_agent):
    agent = make_agent('sim', nodes=1, ncpus=2)
    ex = agent.executor(autostart=True, backend='sim')
    rec = Recorder()
    jobs = [rec.watch(Job(JobSpec('/bin/sh', ['-c', 'sleep 3; exit %d' % (i % 2)])))
            for i in range(6)]
    for j in jobs:
        ex.submit(j)
    jobs[0].wait(target_states=[JobState.ACTIVE], timeout=WAIT)
    first = agent.pid()
    agent.kill9()
    # Nothing else restarts it: the executor's event stream finds no agent and starts one.
    until(agent.answers, 120, 'the plugin to start an agent again')
    assert agent.pid() != first
    _check_each_once_in_order(agent, rec, jobs)
    assert all(j.status.state.final for j in jobs)


SECOND = r'''
import json, sys
from datetime import timedelta
from psij import Job, JobExecutor
from psij_agent.executor import AgentExecutorConfig
ex = JobExecutor.get_instance('agent', config=AgentExecutorConfig(home=sys.argv[1], autostart=False))
out = {}
for nid in sys.argv[2:]:
    job = Job()
    seen = []
    job.set_job_status_callback(lambda j, s, seen=seen: seen.append(s.state.name))
    ex.attach(job, nid)
    st = job.wait(timeout=timedelta(seconds=180))
    out[nid] = {'state': st.state.name, 'exit': st.exit_code, 'seen': seen,
                'scheduler_id': st.metadata.get('scheduler_id'), 'agent_id': job.native_id}
print(json.dumps(out))
'''


def test_a_second_process_attaches_by_agent_id_and_by_scheduler_id(make_agent):
    agent = make_agent('sim', nodes=1, ncpus=2)
    ex = agent.executor()
    jobs = [Job(JobSpec('/bin/sh', ['-c', 'sleep 2; exit %d' % i])) for i in range(3)]
    for j in jobs:
        ex.submit(j)
    by_scheduler = agent.get('/v1/jobs/' + jobs[2].native_id)['nativeId']
    ids = [jobs[0].native_id, jobs[1].native_id, by_scheduler]
    r = subprocess.run([sys.executable, '-c', SECOND, agent.home] + ids, capture_output=True,
                       text=True, timeout=300, env=dict(os.environ))
    assert r.returncode == 0, r.stderr
    other = json.loads(r.stdout)
    for nid, job in zip(ids, jobs):
        mine = job.wait(timeout=WAIT)
        theirs = other[nid]
        assert theirs['agent_id'] == job.native_id
        assert (theirs['state'], theirs['exit']) == (mine.state.name, mine.exit_code)
        expected, _ = agent_states(agent, job.native_id)
        assert theirs['seen'] == expected, theirs
    assert other[by_scheduler]['scheduler_id'] == by_scheduler


HOSTILE = ["'; touch {c}; echo '", '$(touch {c})', '`touch {c}`', '"; touch {c}; "',
           'a\nb\tc', '\\', '*', '~', '$HOME', '$$', 'x' * 3000, '\u00e9\u4e2d\U0001f600',
           '-n', '--', '#PBS -l select=99', '%d %s %n', ' spaced  out ']


def test_hostile_strings_in_every_field_reach_the_job_as_written(make_agent, tmp_path):
    agent = make_agent('sim')
    ex = agent.executor()
    canary = tmp_path / 'canary'
    words = [w.format(c=canary) for w in HOSTILE]
    odd_dir = tmp_path / "dir with 'quotes' \"and\" $(x) ;"
    odd_dir.mkdir()
    out = odd_dir / "out file 'x'.txt"
    env = {'HOSTILE_%d' % i: w for i, w in enumerate(words)}
    script = 'for a in "$@"; do printf "%s\\0" "$a"; done; for i in $(seq 0 {n}); do ' \
        'eval "printf \'%s\\0\' \\"\\$HOSTILE_$i\\""; done'.replace('{n}', str(len(words) - 1))
    spec = JobSpec('/bin/bash', ['-c', script, 'argv0'] + words, directory=odd_dir,
                   name=words[0][:60], environment=env, stdout_path=out,
                   attributes=JobAttributes(duration=timedelta(minutes=5)))
    job = Job(spec)
    ex.submit(job)
    status = job.wait(timeout=WAIT)
    assert status.state == JobState.COMPLETED, (status.message, out.read_text()
                                                if out.exists() else '')
    got = out.read_bytes().decode().split('\0')[:-1]
    assert got == words + words
    assert not canary.exists(), 'a hostile string reached a shell unquoted'
    # Hostile scheduler fields: refused with psij-python's exceptions, never run, agent fine.
    for field in ('queue_name', 'account', 'reservation_id'):
        for w in words[:5]:
            j = Job(JobSpec('/bin/true', attributes=JobAttributes(**{field: w})))
            try:
                ex.submit(j)
                j.wait(timeout=WAIT)
            except (InvalidJobException, SubmitException):
                pass
    assert not canary.exists()
    assert agent.get('/v1/health')['status'] == 'ok'


def test_1000_concurrent_jobs_from_8_threads(make_agent):
    agent = make_agent('local')
    ex = agent.executor()
    rec = Recorder()
    jobs = [rec.watch(Job(JobSpec('/bin/true'))) for _ in range(1000)]
    errors = []

    def submit(part):
        try:
            for j in part:
                ex.submit(j)
        except Exception as e:  # reported below
            errors.append(e)
    started = time.monotonic()
    threads = [threading.Thread(target=submit, args=(jobs[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors[:3]
    for j in jobs:
        st = j.wait(timeout=timedelta(seconds=600))
        assert st is not None and st.state == JobState.COMPLETED, j.native_id
        assert rec.states(j) == ['QUEUED', 'ACTIVE', 'COMPLETED'], rec.states(j)
    assert len({j.native_id for j in jobs}) == 1000
    print('1000 jobs from 8 threads: %.1f s' % (time.monotonic() - started))
    # Only the final states' order is checked against the agent for a sample (1,000 GETs
    # would only measure the agent).
    _check_each_once_in_order(agent, rec, jobs[::97])


def test_resources_and_walltime_reach_the_scheduler(make_agent):
    agent = make_agent('sim', nodes=2, ncpus=4)
    ex = agent.executor()
    job = Job(JobSpec('/bin/true', resources=ResourceSpecV1(node_count=2, processes_per_node=4),
                      attributes=JobAttributes(duration=timedelta(seconds=3700.5))))
    ex.submit(job)
    assert job.wait(timeout=WAIT).state == JobState.COMPLETED
    spec = final_view(agent, job.native_id)['spec']
    assert spec['resources'] == {'nodeCount': 2, 'processesPerNode': 4}
    assert spec['attributes']['duration'] == 3700.5


def test_pip_install_of_the_folder_registers_both_names(tmp_path):
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    r = subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps',
                        '--no-build-isolation', '--target', str(tmp_path / 'site'), here],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0 and 'No module named pip' in r.stderr:
        pytest.skip('no pip for %s' % sys.executable)
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / 'site' / 'psij-descriptors' / '__init__.py').exists()
    # A fresh interpreter that finds the package only where pip put it.
    path = [str(tmp_path / 'site')] + [p for p in os.environ.get('PYTHONPATH', '').split(':')
                                       if p and os.path.abspath(p) != here]
    probe = ('from psij import JobExecutor; import psij_agent.executor as m; '
             'print(sorted(n for n in JobExecutor.get_executor_names() if "agent" in n), '
             'JobExecutor.get_instance("agent").__class__.__psij_file__)')
    r = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=':'.join(path)), cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("['agent', 'psij-agent'] " + str(tmp_path / 'site')), r.stdout
    shutil.rmtree(os.path.join(here, 'build'), ignore_errors=True)
