# setup.py rather than [project] metadata: psij-descriptors (the folder psij-python scans, a
# namespace package with no __init__.py) is not a valid name in pyproject's package list, which
# is how psij-python ships its own.
from setuptools import setup

setup(
    name='psij-agent',
    version='0.1.0',
    description="psij-python executor 'agent': hands PSI/J jobs to a psij-agent login-node agent",
    license='MIT',
    python_requires='>=3.8',
    # psij-python is the only dependency; everything else is the standard library.
    install_requires=['psij-python>=0.9.9'],
    packages=['psij_agent', 'psij-descriptors'],
)
