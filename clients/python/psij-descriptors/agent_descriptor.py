# psij-python finds executors by importing every module of every
# `psij-descriptors` folder on sys.path (a namespace package: no __init__.py).
# psij-python 0.9.11 does not register a Descriptor's aliases, so the second
# name is a second Descriptor.
from packaging.version import Version
from psij.descriptor import Descriptor

__PSI_J_EXECUTORS__ = [
    Descriptor(name='agent', nice_name='psij-agent', version=Version('0.1.0'),
               cls='psij_agent.executor.AgentJobExecutor'),
    Descriptor(name='psij-agent', nice_name='psij-agent', version=Version('0.1.0'),
               cls='psij_agent.executor.AgentJobExecutor'),
]
