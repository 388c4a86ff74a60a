"""Brown's six defining features and the status rule: the one place where a state is classified.

A state's status is recomputed every step from its agents (Brown 2009, ch. 2; MODEL.md section 1):

======  ==============================================  =====================================  =========
 #      feature                                          indicator (0..1)                       holds when
======  ==============================================  =====================================  =========
 F1     monopoly of power of the Communist party          ruling party's ``monopoly`` M          M >= 0.8
 F2     democratic centralism                            ruling party's ``centralism`` D        D >= 0.7
 F3     non-capitalist ownership of the means of prod.   state's ``ownership`` O                O >= 0.6
 F4     command economy                                  state's ``command`` C                  C >= 0.6
 F5     declared aim of building communism               ruling party's ``goal`` G              G >= 0.5
 F6     belonging to the international movement          recognised by another ruling party      boolean
                                                         or a centre (the recognition graph)
======  ==============================================  =====================================  =========

Status: **communist** when F1..F6 all hold; **hybrid** when F1 and F2 hold but one of F3..F6 does not;
**non_communist** when F1 or F2 fails, or when no Communist party holds office. Under the ``kornai`` convention a
hybrid counts as non_communist (Kornai classes China's market reform system as capitalist; Brown as a hybrid).
The thresholds are parameters (:mod:`sim.params`, group ``features``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from sim.params import defaults

if TYPE_CHECKING:
    from sim.agents import StateAgent

FEATURES: tuple[str, ...] = ("f1", "f2", "f3", "f4", "f5", "f6")
FEATURE_LABELS: dict[str, str] = {
    "f1": "monopoly of power",
    "f2": "democratic centralism",
    "f3": "non-capitalist ownership",
    "f4": "command economy",
    "f5": "declared aim of communism",
    "f6": "international movement",
}
INDICATOR_OF: dict[str, str] = {
    "f1": "monopoly",
    "f2": "centralism",
    "f3": "ownership",
    "f4": "command",
    "f5": "goal",
    "f6": "recognised",
}

Convention = Literal["brown", "kornai"]


class Status(StrEnum):
    """A state's classification."""

    COMMUNIST = "communist"
    HYBRID = "hybrid"
    NON_COMMUNIST = "non_communist"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Feature thresholds (parameters ``*_threshold``, group ``features``; defaults from MODEL.md)."""

    monopoly: float
    centralism: float
    ownership: float
    command: float
    goal: float

    @classmethod
    def default(cls) -> Thresholds:
        """The thresholds at the parameters' defaults."""
        return cls.from_params(defaults())

    @classmethod
    def from_params(cls, params: dict[str, float]) -> Thresholds:
        """Read the five thresholds from resolved parameters."""
        return cls(
            monopoly=params["monopoly_threshold"],
            centralism=params["centralism_threshold"],
            ownership=params["ownership_threshold"],
            command=params["command_threshold"],
            goal=params["goal_threshold"],
        )


@dataclass(frozen=True, slots=True)
class Indicators:
    """The six indicators of one state in one year.

    ``monopoly``, ``centralism`` and ``goal`` are those of the Communist party holding office (zero when none does);
    ``ownership`` and ``command`` are the state's; ``recognised`` is F6 read off the recognition graph.
    """

    monopoly: float
    centralism: float
    ownership: float
    command: float
    goal: float
    recognised: bool
    communist_in_office: bool = True


@dataclass(frozen=True, slots=True)
class Classification:
    """The six feature booleans and the status they imply."""

    features: tuple[bool, bool, bool, bool, bool, bool]
    status: Status

    def holds(self, feature: str) -> bool:
        """Whether feature ``"f1"``..``"f6"`` holds."""
        return self.features[FEATURES.index(feature)]


def feature_flags(ind: Indicators, th: Thresholds) -> tuple[bool, bool, bool, bool, bool, bool]:
    """F1..F6 from the indicators: each indicator compared with its threshold; F6 is the recognition boolean.

    A state where no Communist party holds office has neither F1, F2 nor F5, whatever its other numbers.
    """
    office = ind.communist_in_office
    return (
        office and ind.monopoly >= th.monopoly,
        office and ind.centralism >= th.centralism,
        ind.ownership >= th.ownership,
        ind.command >= th.command,
        office and ind.goal >= th.goal,
        office and ind.recognised,
    )


def status_from_features(features: tuple[bool, ...], convention: Convention = "brown") -> Status:
    """The status rule: communist = all six; hybrid = F1 and F2 but not all; else non_communist.

    Under ``convention="kornai"`` a hybrid is counted as non_communist.
    """
    if len(features) != len(FEATURES):
        raise ValueError(f"expected six feature booleans, got {len(features)}")
    if all(features):
        return Status.COMMUNIST
    if features[0] and features[1]:
        return Status.HYBRID if convention == "brown" else Status.NON_COMMUNIST
    return Status.NON_COMMUNIST


def classify(ind: Indicators, th: Thresholds | None = None, convention: Convention = "brown") -> Classification:
    """Features and status of one state from its indicators (the default thresholds unless ``th`` is given)."""
    flags = feature_flags(ind, th if th is not None else Thresholds.default())
    return Classification(flags, status_from_features(flags, convention))


def indicators_of(state: StateAgent) -> Indicators:
    """Read a state's six indicators from its agents (its party in office, its economy, the recognition graph)."""
    party = state.party_in_office
    if party is None:
        return Indicators(0.0, 0.0, state.ownership, state.command, 0.0, False, communist_in_office=False)
    return Indicators(
        monopoly=party.monopoly,
        centralism=party.centralism,
        ownership=state.ownership,
        command=state.command,
        goal=party.goal,
        recognised=state.model.movement.is_recognised(party.code),
    )
