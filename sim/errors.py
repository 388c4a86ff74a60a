"""The error every bad input raises (a module of its own, so the command line can catch it without loading the
schema)."""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario file or override is invalid. The message names the file, the key path and what was expected."""
