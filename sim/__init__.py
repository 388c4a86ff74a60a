"""An agent-based model of Communist political systems, after Archie Brown's six defining features.

>>> from sim import CommunistWorld
>>> model = CommunistWorld("stylized", rng=1)
>>> model.run(until=1950).year
1950
"""

from sim.model import CommunistWorld
from sim.scenario import Scenario, ScenarioError, load

__all__ = ["CommunistWorld", "Scenario", "ScenarioError", "load"]
__version__ = "0.1.0"
