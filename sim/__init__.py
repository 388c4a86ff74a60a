"""An agent-based model of Communist political systems, after Archie Brown's six defining features.

>>> from sim import CommunistWorld
>>> model = CommunistWorld("stylized", rng=1)
>>> model.run(until=1950).year
1950

Names are imported lazily, so ``sim.scenario`` (validation) loads without Mesa.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["CommunistWorld", "Scenario", "ScenarioError", "load"]
__version__ = "0.1.0"

if TYPE_CHECKING:
    from sim.model import CommunistWorld
    from sim.scenario import Scenario, ScenarioError, load


def __getattr__(name: str):
    if name == "CommunistWorld":
        from sim.model import CommunistWorld

        return CommunistWorld
    if name in ("Scenario", "ScenarioError", "load"):
        from sim import scenario

        return getattr(scenario, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
