"""The model's vocabulary: every named kind of thing, as a typed enumeration, defined once.

Each name is a :class:`~enum.StrEnum`, so a member *is* its string (``Role.RULING == "ruling"``): scenario files,
tables and the event log keep their plain strings, while the code compares typed names that a linter and a reader
can follow. Derived properties (which roles hold office, which leader kinds reform, which event kinds are the
main ones) live on the enumerations, so that no list of names is written twice. A state's status stays
:class:`sim.features.Status`.

The member types and leader kinds are derived from traits by one rule, :class:`TypeRule`, whose thresholds are
registered parameters (group ``members``: ``believer_belief``, ``doubter_belief``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Mapping


class Role(StrEnum):
    """A party's place in its state's politics."""

    RULING = "ruling"  # a Communist party ruling as a single party
    ELECTED = "elected"  # in office by a free election's majority
    COALITION = "coalition"  # in an elected coalition government
    OPPOSITION = "opposition"
    BANNED = "banned"
    DISSOLVED = "dissolved"
    UNFOUNDED = "unfounded"  # before its founding year

    @property
    def in_office(self) -> bool:
        """Whether a party in this role holds office (alone or in a coalition)."""
        return self in _IN_OFFICE

    @property
    def active(self) -> bool:
        """Whether a party in this role can contest elections, recruit openly or take office."""
        return self not in _INACTIVE

    @property
    def exists(self) -> bool:
        """Whether the party has been founded and not dissolved (a banned party still exists underground)."""
        return self not in _GONE


# the role sets above, built once (a set lookup instead of comparing with each member: these are read every year)
_IN_OFFICE = frozenset((Role.RULING, Role.ELECTED, Role.COALITION))
_INACTIVE = frozenset((Role.BANNED, Role.DISSOLVED, Role.UNFOUNDED))
_GONE = frozenset((Role.DISSOLVED, Role.UNFOUNDED))


class Family(StrEnum):
    """A party's family, from the scenario."""

    COMMUNIST = "communist"
    SOCIAL_DEMOCRATIC = "social_democratic"


class FamilyLabel(StrEnum):
    """The three party families of MODEL.md section 2, as the parties table labels them."""

    RULING_COMMUNIST = "ruling_communist"
    NONRULING_COMMUNIST = "nonruling_communist"
    SOCIAL_DEMOCRATIC = "social_democratic"


class Route(StrEnum):
    """A state's route to Communist power (a scenario input)."""

    OWN_REVOLUTION = "own_revolution"
    SOVIET_BACKED = "soviet_backed"
    OTHER = "other"  # a coup or army regime proclaiming Marxism-Leninism
    NONE = "none"


class Origin(StrEnum):
    """How a Communist party came to power, if it did."""

    OWN_REVOLUTION = "own_revolution"
    INSTALLED = "installed"
    OTHER = "other"
    NONRULING = "nonruling"


class LeaderKind(StrEnum):
    """A party leader's kind: it sets the party's yearly programme (:mod:`sim.mechanisms.leadership`)."""

    REFORMER = "reformer"
    ECONOMIC_REFORMER = "economic_reformer"
    CLOSET_SOCIAL_DEMOCRAT = "closet_social_democrat"
    BELIEVER = "believer"
    CONSERVATIVE = "conservative"
    AUTOCRAT = "autocrat"

    @property
    def reforming(self) -> bool:
        """Whether the kind pursues the political reform sequence (glasnost, market, contested elections)."""
        return self in (LeaderKind.REFORMER, LeaderKind.CLOSET_SOCIAL_DEMOCRAT)

    @property
    def starts_reform(self) -> bool:
        """Whether the kind starts a reform programme (political or economic): the selectorate may veto it."""
        return self.reforming or self is LeaderKind.ECONOMIC_REFORMER

    @property
    def orthodox(self) -> bool:
        """Whether the kind restores the goal (believers and autocrats)."""
        return self in (LeaderKind.BELIEVER, LeaderKind.AUTOCRAT)

    @property
    def label(self) -> str:
        """The kind in words (``"closet social democrat"``)."""
        return self.value.replace("_", " ")


class LeaderExit(StrEnum):
    """How a leader leaves office other than by a dated succession (:mod:`sim.mechanisms.tenure`)."""

    TERM = "term"  # a drawn or installed leader's regular term ends
    DIED = "died"  # the Gompertz hazard
    RETIRED = "retired"  # the retirement hazard
    POLITBURO = "politburo"  # removed by its own apparatus in a crisis
    PALACE = "palace"  # removed by its own Politburo in a crisis before any order to fire (a palace coup)
    ARMY = "army"  # overthrown when the army defected (a failed crackdown against overwhelming protest)

    @property
    def phrase(self) -> str:
        """The exit in words, for the event log (``"was overthrown when the army defected"``)."""
        return _EXIT_PHRASES[self]


_EXIT_PHRASES = {
    LeaderExit.TERM: "left office at the end of a term",
    LeaderExit.DIED: "died in office",
    LeaderExit.RETIRED: "retired",
    LeaderExit.POLITBURO: "was removed by the Politburo in a crisis",
    LeaderExit.PALACE: "was removed by the Politburo before any order to fire (a palace coup)",
    LeaderExit.ARMY: "was overthrown when the army defected",
}


class MemberType(StrEnum):
    """Derived member types (MODEL.md section 2), in the order they are tested (the first that applies wins)."""

    BELIEVER = "believer"
    REFORMER = "reformer"
    CLOSET_SOCIAL_DEMOCRAT = "closet_social_democrat"
    CONSERVATIVE = "conservative"
    CAREERIST = "careerist"
    OTHER = "other"


class Phase(StrEnum):
    """A centre's institutional phase (set by drivers; a centre whose host party leaves office dissolves)."""

    COMINTERN = "comintern"
    COMINFORM = "cominform"
    INTERNATIONAL_DEPARTMENT = "international_department"
    NONE = "none"
    DISSOLVED = "dissolved"


class Doctrine(StrEnum):
    """The doctrine a centre proclaims (a dated event)."""

    LIMITED_SOVEREIGNTY = "limited_sovereignty"  # the Brezhnev doctrine
    FREEDOM_OF_CHOICE = "freedom_of_choice"
    NONE = "none"


class EventKind(StrEnum):
    """Kinds of rows of the event log (:class:`sim.events.EventLog`)."""

    STATUS = "status"  # a change of status (communist, hybrid, non_communist)
    FEATURE = "feature"  # a feature gained or lost without a change of status
    TAKEOVER = "takeover"
    LEADER = "leader"
    INTERVENTION = "intervention"
    ADMONITION = "admonition"
    SPLIT = "split"
    EXPULSION = "expulsion"
    READMISSION = "readmission"
    RIVAL_CENTRE = "rival_centre"
    CRISIS = "crisis"
    CRACKDOWN = "crackdown"
    CONCESSION = "concession"
    STANDOFF = "standoff"
    ELECTION = "election"
    ELECTION_CALLED = "election_called"
    INSTITUTION = "institution"
    DOCTRINE = "doctrine"
    POLICY = "policy"
    PARTY_RULE = "party_rule"
    OCCUPATION = "occupation"
    WITHDRAWAL = "withdrawal"
    COALITION = "coalition"
    COUP = "coup"
    BAN = "ban"
    RENAME = "rename"
    MOVEMENT = "movement"
    FOUNDING = "founding"
    SETTLEMENT = "settlement"  # a regime at war negotiates once its patron's support has gone
    BREAKUP = "breakup"  # a federation breaks up (sim.mechanisms.borders)
    UNIFICATION = "unification"  # a state unifies with a neighbour and ends
    BORDER = "border"  # a neighbour's border opens (or closes again) to a state's emigrants
    CREDIBILITY = "credibility"  # a test shows the camp's publics how far the centre backs its regimes

    @property
    def main(self) -> bool:
        """Whether the kind is a turning point: a status change, a change of regime or of camp, force or its
        threat (the kinds a run's summary lists)."""
        return self in _MAIN_KINDS

    @property
    def routine(self) -> bool:
        """Whether the kind is routine business (the centre's yearly admonitions): hidden by default where events
        are listed (a state's own log shows it); every other kind is shown."""
        return self in _ROUTINE_KINDS


_MAIN_KINDS = frozenset(
    {
        EventKind.STATUS, EventKind.TAKEOVER, EventKind.SPLIT, EventKind.EXPULSION, EventKind.RIVAL_CENTRE,
        EventKind.INTERVENTION, EventKind.CONCESSION, EventKind.CRACKDOWN, EventKind.COALITION, EventKind.COUP,
        EventKind.READMISSION, EventKind.SETTLEMENT, EventKind.BREAKUP, EventKind.UNIFICATION,
    }
)  # fmt: skip
_ROUTINE_KINDS = frozenset({EventKind.ADMONITION})


@dataclass(frozen=True, slots=True)
class TypeRule:
    """The one rule that derives member types and leader kinds from traits (MODEL.md section 2; Brown 2009).

    Member types, the first that applies winning: believer b >= ``believer``; reformer r >= ``reformer``; closet
    social democrat s >= ``social_democrat`` and b < ``doubter``; conservative: a careerist with tenure >=
    ``conservative_tenure``; careerist c >= ``careerist`` and b < ``doubter``; other.

    Leader kinds (a leader's programme-relevant traits): closet social democrat as for members; reformer
    r >= ``reformer`` and s >= ``reformer_affinity``, else an economic reformer; believer b >= ``believer``;
    conservative otherwise (careerists long in office).
    """

    believer: float
    doubter: float
    careerist: float
    reformer: float
    social_democrat: float
    reformer_affinity: float
    conservative_tenure: int

    @classmethod
    def from_params(cls, params: Mapping[str, float]) -> TypeRule:
        """Read the thresholds from resolved parameters."""
        return cls(
            believer=params["believer_belief"],
            doubter=params["doubter_belief"],
            careerist=params["careerist_careerism"],
            reformer=params["reformer_reformism"],
            social_democrat=params["social_democrat_affinity"],
            reformer_affinity=params["reformer_leader_affinity"],
            conservative_tenure=int(params["conservative_tenure"]),
        )

    def closet_social_democrat(self, belief, sd_affinity):
        """s >= social_democrat and b < doubter (works on floats and arrays)."""
        return (sd_affinity >= self.social_democrat) & (belief < self.doubter)

    def careerist_without_belief(self, belief, careerism):
        """c >= careerist and b < doubter."""
        return (careerism >= self.careerist) & (belief < self.doubter)

    def reformist(self, belief, reformism, sd_affinity):
        """A reformer or a closet social democrat (the apparatus screens them out of promotion)."""
        return (reformism >= self.reformer) | self.closet_social_democrat(belief, sd_affinity)

    def member_types(self, belief, careerism, reformism, sd_affinity, tenure) -> np.ndarray:
        """Derived types as indices into ``tuple(MemberType)`` (types are derived each time, never stored)."""
        careerist = self.careerist_without_belief(belief, careerism)
        conditions = [
            belief >= self.believer,
            reformism >= self.reformer,
            self.closet_social_democrat(belief, sd_affinity),
            careerist & (tenure >= self.conservative_tenure),
            careerist,
        ]
        # as np.select (the first condition that holds wins), by writing the conditions' indices last to first
        kinds = np.full(np.shape(belief), len(conditions), dtype=np.int8)
        for index in range(len(conditions) - 1, -1, -1):
            kinds[conditions[index]] = index
        return kinds

    def leader_kind(self, belief: float, careerism: float, reformism: float, sd_affinity: float) -> LeaderKind:
        """Kind of a leader drawn from the members, by its traits (careerism does not set the programme)."""
        if self.closet_social_democrat(belief, sd_affinity):
            return LeaderKind.CLOSET_SOCIAL_DEMOCRAT
        if reformism >= self.reformer:
            return LeaderKind.REFORMER if sd_affinity >= self.reformer_affinity else LeaderKind.ECONOMIC_REFORMER
        if belief >= self.believer:
            return LeaderKind.BELIEVER
        return LeaderKind.CONSERVATIVE


# -- the dated inputs a scenario file may name (its [[drivers.events]] kinds and [[drivers.schedules]] variables) ----
DRIVER_EVENT_KINDS = (
    "leader",
    "institution",
    "doctrine",
    "policy",
    "party_rule",
    "occupation",
    "withdrawal",
    "coalition",
    "coup",
    "ban",
    "rename",
    "election",
)
"""The kinds of a scenario's dated events (``[[drivers.events]]``); :mod:`sim.causal_rule` says which are causes."""
DRIVER_VARIABLES = (
    "hegemony",
    "tolerance",
    "reach",
    "commitment",
    "monopoly_pressure",
    "emigration",
    "aid",
    "war",
    "debt",
)
"""The variables a scenario may schedule (``[[drivers.schedules]]``)."""
INSTITUTIONS = {
    "comintern_founded": "comintern",
    "comintern_dissolved": "none",
    "cominform_founded": "cominform",
    "cominform_dissolved": "international_department",
    "international_department": "international_department",
    "international_department_dissolved": "dissolved",
}
"""Each institution event and the phase of the movement's centre it opens."""
DOCTRINES = ("limited_sovereignty", "freedom_of_choice", "none")
"""The doctrines of the centre a scenario may date (``doctrine`` events)."""
