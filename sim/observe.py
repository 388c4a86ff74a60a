"""The observation registry: every quantity the model reports, declared once.

Three kinds of reporter, each a module-level function (so that a model, which holds its model reporters in Mesa's
``DataCollector``, pickles):

- **state reporters** fill one row of the yearly ``states`` table per state: ``read(state)``;
- **party reporters** fill one row of the yearly ``parties`` table per party: ``read(party, members)``, where
  ``members`` is the year's :class:`MemberSummary` (the member table's per-party aggregates, computed once);
- **model reporters** are Mesa's model reporters, one value per collected year: ``read(model)``.

Each has a name, a one-line help and a value kind (``year``, ``code``, ``label``, ``flag``, ``share``, ``count``,
``number``). The tables' columns are the reporters in declaration order (:data:`STATE_COLUMNS`,
:data:`PARTY_COLUMNS`), the model series are :data:`MODEL_REPORTERS`, the series a sweep can keep are the numeric
model reporters (:data:`SWEEP_SERIES`) and the what-if series are those marked ``whatif``. Adding a column or a
series is one entry here; the sweep's scalar outcomes, computed from a finished run's tables, are declared the same
way in :mod:`sim.outcomes`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from sim.features import FEATURES, Status
from sim.population import MEMBER_TYPES

if TYPE_CHECKING:
    from sim.agents import PartyAgent, StateAgent
    from sim.model import CommunistWorld

Kind = Literal["year", "code", "label", "flag", "share", "count", "number"]
NUMERIC_KINDS = frozenset({"year", "share", "count", "number"})


@dataclass(frozen=True)
class Reporter:
    """One observed quantity: its column or series name, how to read it, what it means.

    Attributes:
        name: the column (tables) or series (model) name.
        read: an attribute path of the agent (``"legitimacy"``, ``"indicators.monopoly"``: Mesa's convention for
            reporters) or a module-level function of the agent (and, for parties, the year's
            :class:`MemberSummary`) or of the model.
        help: one line for the docs.
        kind: the kind of value (``year``, ``code``, ``label``, ``flag``, ``share``, ``count``, ``number``).
        whatif: a model series compared by ``sim whatif`` (median and band in both worlds).
        whole: ``read`` takes the whole sequence of agents (and the context) and returns their column at once (the
            member aggregates: one gather from the year's arrays instead of a lookup per party).
    """

    name: str
    read: str | Callable[..., Any]
    help: str
    kind: Kind = "share"
    whatif: bool = False
    whole: bool = False

    def column(self, agents: Sequence[Any], *context: Any) -> list[Any]:
        """The values of ``agents``, in order (``context``: what a function reporter takes after the agent)."""
        if isinstance(self.read, str):
            return list(map(attrgetter(self.read), agents))
        read = self.read
        if self.whole:
            return read(agents, *context)
        return [read(agent, *context) for agent in agents]


# -- state reporters ---------------------------------------------------------------------------------------------


def _feature(index: int, state: StateAgent) -> Any:
    return state.classification.features[index]


def _state_status(state: StateAgent) -> str:
    return state.classification.status.value


def _state_in_office(state: StateAgent) -> bool:
    return state.party_in_office is not None


def _state_members(state: StateAgent) -> float:
    return state.communist.membership if state.communist else 0.0


def _state_leader_kind(state: StateAgent) -> str:
    party = state.party_in_office
    return party.leader.kind if party and party.leader else ""


def _state_leader_id(state: StateAgent) -> int:
    party = state.party_in_office
    return party.leader.id if party and party.leader else 0


def _state_regime_age(state: StateAgent) -> int:
    return state.regime_age if state.regime_start is not None else -1


_INDICATOR_HELP = {
    "monopoly": "F1's indicator: the ruling party's monopoly of power M (0 without a party in office)",
    "centralism": "F2's indicator: the ruling party's democratic centralism D",
    "ownership": "F3's indicator: non-agricultural state and social ownership O",
    "command": "F4's indicator: planned share of allocation C",
    "goal": "F5's indicator: the ruling party's declared aim of building communism G",
    "recognised": "F6's indicator: recognised by another ruling Communist party or a centre",
}

STATE_REPORTERS: tuple[Reporter, ...] = (
    Reporter("year", "model.year", "calendar year", "year"),
    Reporter("code", "code", "state code", "code"),
    Reporter("status", _state_status, "communist, hybrid or non_communist (recomputed from F1..F6)", "label"),
    *(
        Reporter(name, f"indicators.{name}", help_, "flag" if name == "recognised" else "share")
        for name, help_ in _INDICATOR_HELP.items()
    ),
    *(Reporter(f, partial(_feature, k), f"whether feature {f.upper()} holds", "flag") for k, f in enumerate(FEATURES)),
    Reporter("in_office", _state_in_office, "a Communist party holds office (alone or in a coalition)", "flag"),
    Reporter("entered", "entered", "the Communist party has come to power at some time", "flag"),
    Reporter("legitimacy", "legitimacy", "legitimacy L of the regime"),
    Reporter("performance", "performance", "economic performance (growth index)"),
    Reporter("shortage", "shortage", "shortage Z (Kornai)"),
    Reporter("softness", "softness", "softness of the budget constraint"),
    Reporter("hardship", "hardship", "hardship of daily life"),
    Reporter("public_dissent", "public_dissent", "share of citizens and members voicing opposition"),
    Reporter("private_opposition", "private_opposition", "share of citizens privately opposed"),
    Reporter("repression", "repression", "repression capacity R"),
    Reporter("soviet_dependence", "soviet_dependence", "how far the regime rests on Soviet force v"),
    Reporter("crisis", "crisis", "a mass protest met the regime this year", "flag"),
    Reporter("members", _state_members, "real members of the state's Communist party", "count"),
    Reporter("leader_kind", _state_leader_kind, "kind of the leader in office ('' without one)", "label"),
    Reporter("leader_id", _state_leader_id, "id of the leader in office (0 without one)", "code"),
    Reporter("regime_age", _state_regime_age, "years of Communist rule (-1 if it never began)", "count"),
    Reporter("protest_rounds", "protest_rounds", "cascade round in which protest turned mass (-1: none)", "count"),
)
"""The ``states`` table, one row per state and collected year, in column order."""


# -- party reporters ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberSummary:
    """The member table's per-party aggregates of one year (computed once for all party rows)."""

    index_of: dict[str, int]  # a Communist party's row in the arrays (other parties have none)
    shares: np.ndarray  # (parties, member types): weighted share of each derived type
    mean_belief: np.ndarray
    mean_careerism: np.ndarray
    top_reformers: np.ndarray  # share of reformers among the members of the highest rank
    rows: np.ndarray | None = None  # each of ``parties``' row in the arrays (-1: none), for :meth:`column`
    parties: Sequence[PartyAgent] | None = None  # the model's party list ``rows`` was made for

    @classmethod
    def of(cls, model: CommunistWorld) -> MemberSummary:
        """The aggregates of ``model``'s member table this year."""
        table = model.members
        shares = table.type_shares(model.year, int(model.params.conservative_tenure))
        total = table.per_party_sum()
        top = table.rank == table.rank.max() if table.size else np.zeros(0, bool)
        index_of = {p.code: i for i, p in enumerate(model.communist_parties)}
        return cls(
            index_of,
            shares,
            table.per_party_mean(table.belief, weights=total),
            table.per_party_mean(table.careerism, weights=total),
            table.per_party_mean((table.reformism >= model.type_rule.reformer).astype(float), mask=top),
            np.array([index_of.get(p.code, -1) for p in model.parties], dtype=np.intp),
            model.parties,
        )

    def value(self, values: np.ndarray, party: PartyAgent) -> float:
        """``values`` of a Communist party; NaN for a party without members."""
        i = self.index_of.get(party.code)
        return float(values[i]) if i is not None else float("nan")

    def column(self, values: np.ndarray, parties: Sequence[PartyAgent]) -> list[float]:
        """:meth:`value` of every party of ``parties`` at once (the same floats, in order)."""
        rows = self.rows
        if rows is None or parties is not self.parties or len(rows) != len(parties):  # another list: party by party
            return [self.value(values, p) for p in parties]
        if not values.size:
            return [float("nan")] * len(parties)
        return np.where(rows >= 0, values[np.maximum(rows, 0)], np.nan).tolist()


def _party_camp(party: PartyAgent, members: MemberSummary) -> str:
    return party.camp or ""


def _party_recognised(party: PartyAgent, members: MemberSummary) -> bool:
    return party.model.movement.is_recognised(party.code)


def _party_vote_share(party: PartyAgent, members: MemberSummary) -> float:
    return party.vote_share if party.vote_share is not None else float("nan")


def _leader_kind(party: PartyAgent, members: MemberSummary) -> str:
    return party.leader.kind if party.leader else ""


def _leader_id(party: PartyAgent, members: MemberSummary) -> int:
    return party.leader.id if party.leader else 0


def _leader_belief(party: PartyAgent, members: MemberSummary) -> float:
    return party.leader.belief if party.leader else float("nan")


def _leader_since(party: PartyAgent, members: MemberSummary) -> int:
    return party.leader.since if party.leader else 0


def _member_aggregate(name: str, parties: Sequence[PartyAgent], members: MemberSummary) -> list[float]:
    return members.column(getattr(members, name), parties)


def _type_share(index: int, parties: Sequence[PartyAgent], members: MemberSummary) -> list[float]:
    return members.column(members.shares[:, index], parties)


PARTY_REPORTERS: tuple[Reporter, ...] = (
    Reporter("year", "model.year", "calendar year", "year"),
    Reporter("code", "code", "party code", "code"),
    Reporter("state", "state.code", "code of the party's state", "code"),
    Reporter("name", "name", "the party's current name", "label"),
    Reporter("family", "family_label", "ruling_communist, nonruling_communist or social_democratic", "label"),
    Reporter("role", "role", "ruling, opposition, coalition, banned, dissolved, unfounded ...", "label"),
    Reporter("monopoly", "monopoly", "monopoly of power M"),
    Reporter("centralism", "centralism", "democratic centralism D"),
    Reporter("goal", "goal", "declared aim of building communism G"),
    Reporter("alignment", "alignment", "alignment with Moscow A"),
    Reporter("personalism", "personalism", "personal power of the leader"),
    Reporter("market", "market", "the party's market reform lever (share of allocation left to the market)"),
    Reporter("private", "private", "the party's ownership reform lever (private share it allows)"),
    Reporter("camp", _party_camp, "code of the centre whose camp the party is in ('' outside any)", "code"),
    Reporter("recognised", _party_recognised, "recognised by another ruling party or a centre (F6)", "flag"),
    Reporter("members", "membership", "real members", "count"),
    Reporter("vote_share", _party_vote_share, "share of the vote in the last free election (NaN: none)"),
    Reporter("leader_kind", _leader_kind, "kind of the leader ('' without one)", "label"),
    Reporter("leader_id", _leader_id, "id of the leader (0 without one)", "code"),
    Reporter("leader_belief", _leader_belief, "the leader's belief in the goal"),
    Reporter("leader_since", _leader_since, "year the leader took office (0 without one)", "year"),
    Reporter("member_dissent", "member_dissent", "share of members voicing opposition"),
    Reporter("member_opposition", "member_opposition", "share of members privately opposed"),
    Reporter("mean_belief", partial(_member_aggregate, "mean_belief"), "members' mean belief b (weighted)", whole=True),
    Reporter(
        "mean_careerism",
        partial(_member_aggregate, "mean_careerism"),
        "members' mean careerism c (weighted)",
        whole=True,
    ),
    Reporter(
        "top_reformers",
        partial(_member_aggregate, "top_reformers"),
        "share of reformers (r >= .6) in the top rank",
        whole=True,
    ),
    Reporter("recruits", "recruits", "real members recruited this year", "count"),
    Reporter("recruit_belief", "recruit_belief", "mean belief of this year's recruits at entry (NaN: none)"),
    Reporter("recruit_careerism", "recruit_careerism", "mean careerism of this year's recruits at entry (NaN: none)"),
    *(
        Reporter(
            f"share_{t}", partial(_type_share, k), f"weighted share of {t.replace('_', ' ')}s among members", whole=True
        )
        for k, t in enumerate(MEMBER_TYPES)
    ),
)
"""The ``parties`` table, one row per party and collected year, in column order."""


# -- model reporters ---------------------------------------------------------------------------------------------


def _hegemony(model: CommunistWorld) -> float:
    return model.primary_centre.hegemony if model.primary_centre else 0.0


def _credibility(model: CommunistWorld) -> float:
    return model.primary_centre.credibility if model.primary_centre else 0.0


def _tolerance(model: CommunistWorld) -> float:
    return model.primary_centre.tolerance if model.primary_centre else 0.0


def _phase(model: CommunistWorld) -> str:
    return model.primary_centre.phase if model.primary_centre else "none"


def _doctrine(model: CommunistWorld) -> str:
    return model.primary_centre.doctrine if model.primary_centre else "none"


def _status_count(status: Status, model: CommunistWorld) -> int:
    return model.status_count(status)


def _centres(model: CommunistWorld) -> int:
    return sum(c.active for c in model.centres)


def _recognitions(model: CommunistWorld) -> int:
    return model.movement.graph.number_of_edges()


def _total_members(model: CommunistWorld) -> float:
    return float(model.members.weight.sum())


MODEL_REPORTERS: tuple[Reporter, ...] = (
    Reporter("year", "year", "calendar year", "year"),
    Reporter("hegemony", _hegemony, "hegemony h of the primary centre (0 without one)", whatif=True),
    Reporter("tolerance", _tolerance, "the primary centre's tolerance of deviation"),
    Reporter(
        "credibility",
        _credibility,
        "the publics' belief in the primary centre's backing, learnt from tests",
        whatif=True,
    ),
    Reporter("phase", _phase, "the primary centre's phase (Comintern, Cominform, ...)", "label"),
    Reporter("doctrine", _doctrine, "the primary centre's doctrine towards its camp", "label"),
    Reporter("communist", partial(_status_count, Status.COMMUNIST), "states communist", "count", whatif=True),
    Reporter("hybrid", partial(_status_count, Status.HYBRID), "states hybrid", "count", whatif=True),
    Reporter(
        "non_communist", partial(_status_count, Status.NON_COMMUNIST), "states non_communist", "count", whatif=True
    ),
    Reporter("centres", _centres, "active centres of the movement", "count"),
    Reporter("recognitions", _recognitions, "edges of the recognition graph (F6)", "count"),
    Reporter("members", _total_members, "real members of all Communist parties", "count", whatif=True),
)
"""Mesa's model reporters: the ``model`` table, one row per collected year, in column order."""

STATE_COLUMNS: tuple[str, ...] = tuple(r.name for r in STATE_REPORTERS)
PARTY_COLUMNS: tuple[str, ...] = tuple(r.name for r in PARTY_REPORTERS)
MODEL_COLUMNS: tuple[str, ...] = tuple(r.name for r in MODEL_REPORTERS)
SWEEP_SERIES: tuple[str, ...] = tuple(r.name for r in MODEL_REPORTERS if r.kind in NUMERIC_KINDS and r.kind != "year")
"""Model series a sweep can keep per run (every numeric model reporter but the year)."""
WHATIF_SERIES: tuple[str, ...] = tuple(r.name for r in MODEL_REPORTERS if r.whatif)
"""Model series ``sim whatif`` compares."""
ELECTION_COLUMNS: tuple[str, ...] = (
    "year", "code", "party", "communist", "social_democratic", "other", "founding", "communist_in_office",
)  # fmt: skip
"""The ``elections`` table, one row per free election (recorded as it is held, not collected)."""


def columns(reporters: Sequence[Reporter]) -> list[str]:
    """The column names of a table's reporters, in order (as Mesa's ``DataCollector`` takes a table)."""
    return [r.name for r in reporters]


def model_reporters() -> dict[str, Callable[[CommunistWorld], Any]]:
    """The model reporters as Mesa's ``DataCollector`` takes them."""
    return {r.name: r.read for r in MODEL_REPORTERS}


def collect_states(model: CommunistWorld) -> None:
    """Append this year's ``states`` rows (one per state) to the model's DataCollector."""
    table = model.datacollector.tables["states"]
    for r in STATE_REPORTERS:
        table[r.name].extend(r.column(model.states))


def collect_parties(model: CommunistWorld) -> None:
    """Append this year's ``parties`` rows (one per party) to the model's DataCollector."""
    table, members = model.datacollector.tables["parties"], MemberSummary.of(model)
    for r in PARTY_REPORTERS:
        table[r.name].extend(r.column(model.parties, members))
