"""Former home of the result base classes, now :mod:`levelup.results` (re-exported here)."""

from levelup.results import Result, Sample, field, new_axes

__all__ = ["Result", "Sample", "new_axes", "field"]
