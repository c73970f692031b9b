"""A psij-python JobSpec as the JSON document the agent reads (psij-python's own form: snake_case
keys, resources tagged "__version": 1, the walltime as "<seconds> s").

Written here rather than with psij-python's JSONSerializer, which cannot write every value a
JobSpec holds (a float custom attribute, staging in later versions). Paths are made absolute
against the submitting process's directory, and a job without a directory runs there: what a
psij-python user gets from the local executor, and a qsub or sbatch user from the shell.
"""
import inspect
import os
from datetime import timedelta
from typing import Any, Dict, Optional

from psij import JobSpec


def _path(p: Any, base: str) -> Optional[str]:
    if p is None:
        return None
    s = os.fspath(p)
    return s if os.path.isabs(s) else os.path.join(base, s)


def _changed_fields(o: Any) -> Dict[str, Any]:
    """The constructor arguments of a psij object that differ from their defaults."""
    out: Dict[str, Any] = {}
    for name, param in inspect.signature(o.__class__.__init__).parameters.items():
        if name in ('self', 'project_name') or param.kind in (param.VAR_POSITIONAL,
                                                              param.VAR_KEYWORD):
            continue
        value = getattr(o, name, None)
        if value is not None and value != param.default:
            out[name] = value
    return out


def _scalar(v: Any) -> Any:
    if isinstance(v, (str, bool, int, float)):
        return v
    return str(v)


def _staging(entries: Any, with_flags: bool) -> Any:
    out = []
    for e in entries:
        item: Dict[str, Any] = {'source': str(getattr(e, 'source')),
                                'target': str(getattr(e, 'target'))}
        mode = getattr(e, 'mode', None)
        if mode is not None:
            item['mode'] = getattr(mode, 'name', str(mode))
        flags = getattr(e, 'flags', None) if with_flags else None
        if flags is not None:
            names = [f.name for f in type(flags) if f.value and (flags & f) == f] \
                if hasattr(type(flags), '__iter__') else [str(flags)]
            item['flags'] = names or ['NONE']
        out.append(item)
    return out


def spec_document(spec: JobSpec, cwd: Optional[str] = None) -> Dict[str, Any]:
    base = cwd or os.getcwd()
    d: Dict[str, Any] = {}
    if spec.executable is not None:
        d['executable'] = spec.executable
    if spec.arguments:
        d['arguments'] = [str(a) for a in spec.arguments]
    d['directory'] = _path(spec.directory, base) or base
    name = getattr(spec, '_name', spec.name)
    if name is not None:
        d['name'] = name
    d['inherit_environment'] = bool(spec.inherit_environment)
    if spec.environment:
        d['environment'] = {k: str(v) for k, v in spec.environment.items()}
    for key in ('stdin_path', 'stdout_path', 'stderr_path', 'pre_launch', 'post_launch'):
        value = _path(getattr(spec, key), d['directory'] if key.endswith('launch') else base)
        if value is not None:
            d[key] = value
    if spec.resources is not None:
        res = {k: v for k, v in _changed_fields(spec.resources).items()}
        res['__version'] = getattr(spec.resources, 'version', 1)
        d['resources'] = res
    attrs = spec.attributes
    if attrs is not None:
        a: Dict[str, Any] = {}
        duration = attrs.duration
        if isinstance(duration, timedelta):
            # Always sent: psij-python's default walltime (10 minutes) is the user's, not the
            # agent's.
            a['duration'] = '%s s' % duration.total_seconds()
        for key in ('queue_name', 'account', 'reservation_id'):
            value = getattr(attrs, key, None)
            if value is not None:
                a[key] = value
        custom = attrs.custom_attributes
        if custom:
            a['custom_attributes'] = {str(k): _scalar(v) for k, v in custom.items()}
        d['attributes'] = a
    if spec.launcher is not None:
        d['launcher'] = spec.launcher
    for key, with_flags in (('stage_in', False), ('stage_out', True)):
        entries = getattr(spec, key, None)
        if entries:
            d[key] = _staging(entries, with_flags)
    cleanup = getattr(spec, 'cleanup', None)
    if cleanup:
        d['cleanup'] = [str(p) for p in cleanup]
    return d
