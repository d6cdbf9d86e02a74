"""Background and periodic jobs: ``jobs.defer(name, **kwargs)`` (jobs/engine.py)."""

from jobs.engine import defer

__all__ = ["defer"]
