"""Named random streams, so that what-ifs differ from the baseline only where they should.

Every random process (a mechanism acting on one entity) draws from its own ``numpy.random.Generator``, derived
from the model's seeded ``model.rng`` and the stream's name. A variant scenario that changes one state's leader
therefore leaves the draws of every other state unchanged (common random numbers, as in Starsim). Stream names
are stable strings such as ``"economy/HUN"``; the derivation uses CRC32 of the name, not Python's salted ``hash``.
"""

from __future__ import annotations

import zlib

import numpy as np


class Streams:
    """A family of independent generators keyed by name, all derived from one root draw of ``rng``.

    Args:
        rng: the model's seeded generator; exactly one 63-bit integer is drawn from it.
    """

    def __init__(self, rng: np.random.Generator):
        self.root = int(rng.integers(2**63 - 1))
        self._streams: dict[str, np.random.Generator] = {}

    def __call__(self, name: str) -> np.random.Generator:
        """The generator for ``name`` (created on first use, then reused)."""
        gen = self._streams.get(name)
        if gen is None:
            key = zlib.crc32(name.encode("utf-8"))
            gen = np.random.default_rng(np.random.SeedSequence([self.root, key]))
            self._streams[name] = gen
        return gen
