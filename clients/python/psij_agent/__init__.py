"""psij-agent's executor for psij-python: `JobExecutor.get_instance('agent')`."""
__version__ = '0.1.0'
