"""The scenario schema: the pydantic models of a scenario file and the checks of its cross-references.

A scenario is a TOML file (see ``sim/scenarios/stylized.toml`` for a commented example) with these tables:

- ``[scenario]``: name, title, description, ``start_year``, ``end_year``, ``convention`` (``brown`` or ``kornai``),
  ``causal_rule`` (``report``, the default, or ``strict``: refuse dated outcomes) and ``laboratory`` (``true`` in a
  world whose centre's enforcement is a lever of controlled experiments, the stylized one).
- ``[resolution]``: ``member_slots`` (member super-individuals per Communist party), ``citizens`` (per state).
- ``[[states]]``: the states of the world (code, population, bloc, route to power, entry year, ...).
- ``[[parties]]``: Communist and social-democratic parties, each in a state.
- ``[[centres]]``: the centre(s) of the international movement (the InternationalAgent), hosted by a state.
- ``[parameters.<group>]``: overrides of mechanism parameters (:mod:`sim.params`).
- ``[[drivers.schedules]]``: yearly schedules of hegemony, tolerance, commitment, monopoly pressure, emigration
  and Soviet aid (``aid``: the economic and military aid a state receives from the centre's host, 0..1; see
  :mod:`sim.drivers`).
- ``[[drivers.events]]``: dated causes (leaders, institutions, doctrines, policies, occupations, coalitions, coups).
  A ``leader`` event may give the leader's ``name``, ``belief``, birth year ``born`` and ``health`` (a multiplier
  of its death hazard); the leader serves until the next dated ``leader`` event of its state, or, without one,
  until it dies, retires or is removed (:mod:`sim.mechanisms.tenure`).

A driver sets a cause, never an outcome: there is deliberately no key that sets a state's status or a feature, and
:mod:`sim.causal_rule` classifies every kind of dated input as cause, outcome or depends (``sim audit --rule-only``
lists a scenario's dated outcomes; ``causal_rule = "strict"`` refuses them).
Loading (reading, validating, naming every error) is :mod:`sim.scenario`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from sim.params import GROUPS, PARAMETERS, by_group
from sim.vocab import DOCTRINES, DRIVER_EVENT_KINDS, DRIVER_VARIABLES, INSTITUTIONS

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Year = Annotated[int, Field(ge=1800, le=2200)]

BLOCS = ("hegemon", "soviet_bloc", "aligned", "china_aligned", "unaligned", "west")
ROUTES = ("own_revolution", "soviet_backed", "other", "none")
LEADER_TYPES = ("reformer", "economic_reformer", "conservative", "autocrat", "believer", "closet_social_democrat")
POLICIES = ("market_opening", "command_drive")
PARTY_RULES = ("faction_ban",)
PER_STATE_DRIVERS = ("commitment", "monopoly_pressure", "emigration", "aid", "war", "debt")
DRIVER_DEFAULTS = {
    "hegemony": 0.9,
    "tolerance": 0.15,
    "reach": 0.9,
    "commitment": 1.0,
    "monopoly_pressure": 0.95,
    "emigration": 0.0,
    "aid": 0.0,
    "war": 0.0,
    "debt": 0.0,
}
WORLD_OVERRIDES = ("start_year", "end_year", "convention", "member_slots", "citizens")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ScenarioInfo(_Strict):
    """The ``[scenario]`` table."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    title: str = ""
    description: str = ""
    start_year: Year
    end_year: Year
    convention: Literal["brown", "kornai"] = "brown"
    causal_rule: Literal["report", "strict"] = "report"  # "strict": refuse dated outcomes (sim.causal_rule)
    laboratory: bool = False  # a laboratory world may schedule the centre's enforcement (sim.causal_rule)

    @model_validator(mode="after")
    def _years(self) -> ScenarioInfo:
        if self.end_year <= self.start_year:
            raise ValueError(f"end_year ({self.end_year}) must be after start_year ({self.start_year})")
        return self


class Resolution(_Strict):
    """The ``[resolution]`` table: how many super-individuals represent the real people."""

    member_slots: Annotated[int, Field(ge=10, le=2_000_000)] = 240
    citizens: Annotated[int, Field(ge=10, le=1_000_000)] = 400


class StateSpec(_Strict):
    """One ``[[states]]`` entry."""

    code: str = Field(pattern=r"^[A-Z][A-Z0-9]{1,5}$")
    name: str
    region: str = ""
    population: Annotated[float, Field(gt=0.0, le=2000.0)]  # millions
    population_points: list[tuple[Year, Annotated[float, Field(gt=0.0, le=2000.0)]]] | None = None
    electoral_system: Literal["proportional", "plurality"] = "proportional"
    bloc: Literal[BLOCS] = "unaligned"
    route_to_power: Literal[ROUTES] = "none"
    entry_year: Year | None = None
    soviet_dependence: Share = 0.0
    state_capacity: Share = 0.7
    free_elections: bool = False
    private_agriculture: bool = False
    ownership: Share = 0.2
    command: Share = 0.1
    civil_society: Share = 0.0  # independent institutions (a national church, unions) that link citizens
    voter_pluralism: Share | None = None  # mean pluralism preference of its voters (default: the parameter)
    voter_economy: Share = 0.5  # mean economic preference of its voters (1 = fully planned)
    federation_core: Annotated[float, Field(gt=0.0, lt=1.0)] | None = None
    """A federation's core republic's share of its population (Russia's 0.51 of the USSR in 1989): a federation
    whose ruling party lost its monopoly or office can break up and keeps this share (:mod:`sim.mechanisms.borders`)."""
    unify_with: str | None = None
    """The code of a neighbour the state can unify with once it has left communism (East Germany: ``"DEU"``)."""
    exit_through: list[str] = Field(default_factory=list)
    """Codes of the neighbours its citizens can leave through when their regimes open their borders (East
    Germany: Hungary, Czechoslovakia)."""
    case: str = ""
    map: tuple[int, int] | None = None  # tile-grid position (column, row) for the dashboard
    tags: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]] = Field(default_factory=list)
    """Groups the state belongs to (``european_bloc``, ``autonomous``, ...), named by the targets files
    (``sim/scenarios/targets/``); they describe the state for validation and never enter the mechanisms."""

    _map_tuple = field_validator("map", mode="before")(lambda v: tuple(v) if isinstance(v, list) else v)
    _points = field_validator("population_points", mode="before")(
        lambda v: [tuple(p) if isinstance(p, list) else p for p in v] if isinstance(v, list) else v
    )

    @model_validator(mode="after")
    def _route(self) -> StateSpec:
        if (self.route_to_power == "none") != (self.entry_year is None):
            raise ValueError("route_to_power and entry_year go together: give both, or neither (route 'none')")
        return self


class PartySpec(_Strict):
    """One ``[[parties]]`` entry."""

    code: str = Field(pattern=r"^[A-Z0-9][A-Za-z0-9_-]{1,15}$")
    state: str
    family: Literal["communist", "social_democratic"]
    name: str
    members: Annotated[float, Field(ge=0.0, le=1e9)] = 0.0
    founded: Year | None = None
    slots: Annotated[int, Field(ge=10, le=2_000_000)] | None = None
    alignment: Share = 0.9
    centralism: Share = 0.85
    goal: Share = 1.0


class CentreSpec(_Strict):
    """One ``[[centres]]`` entry: a centre of the international movement."""

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,15}$")
    name: str
    state: str
    phase: Literal["comintern", "cominform", "international_department", "none", "dissolved"] = "none"
    budget: Share = 1.0


class ScheduleSpec(_Strict):
    """One ``[[drivers.schedules]]`` entry: a piecewise-linear (or step) yearly schedule."""

    variable: Literal[DRIVER_VARIABLES]
    points: list[tuple[Year, Share]] = Field(min_length=1)
    states: list[str] = Field(default_factory=lambda: ["*"])
    interpolation: Literal["linear", "step"] = "linear"
    note: str = ""

    @field_validator("points", mode="before")
    @classmethod
    def _point_tuples(cls, v: Any) -> Any:
        return [tuple(p) if isinstance(p, list) else p for p in v] if isinstance(v, list) else v

    @model_validator(mode="after")
    def _sorted(self) -> ScheduleSpec:
        years = [y for y, _ in self.points]
        if years != sorted(years) or len(set(years)) != len(years):
            raise ValueError(f"points must have strictly increasing years, got {years}")
        if self.variable not in PER_STATE_DRIVERS and self.states != ["*"]:
            raise ValueError(f"{self.variable} is a movement-wide driver: it takes no 'states'")
        return self


class EventSpec(_Strict):
    """One ``[[drivers.events]]`` entry: a dated cause."""

    year: Year
    kind: Literal[DRIVER_EVENT_KINDS]
    state: str | None = None
    states: list[str] = Field(default_factory=list)
    party: str | None = None
    value: str | float | None = None
    name: str = ""
    belief: Share | None = None  # a named leader's belief in the goal, where the sources set it apart from its kind's
    born: Year | None = None  # a named leader's birth year (else its age at taking office is drawn)
    health: Annotated[float, Field(gt=0.0, le=100.0)] | None = None  # multiplier of its death hazard (default 1)
    note: str = ""

    @model_validator(mode="after")
    def _shape(self) -> EventSpec:
        needs_state = {"leader", "policy", "party_rule", "coalition", "coup", "ban", "election"}
        allowed = {
            "leader": LEADER_TYPES,
            "institution": tuple(INSTITUTIONS),
            "doctrine": DOCTRINES,
            "policy": POLICIES,
            "party_rule": PARTY_RULES,
        }
        if self.kind in needs_state and self.state is None:
            raise ValueError(f"a '{self.kind}' event needs a 'state'")
        if self.kind in ("occupation", "withdrawal"):
            if not self.states:
                raise ValueError(f"an '{self.kind}' event needs 'states' (a list of state codes)")
            if not isinstance(self.value, float) or not 0.0 <= self.value <= 1.0:
                raise ValueError(f"an '{self.kind}' event needs a numeric 'value' in [0, 1] (Soviet dependence)")
        for key in ("belief", "born", "health"):
            if getattr(self, key) is not None and self.kind != "leader":
                raise ValueError(f"'{key}' belongs to a 'leader' event, not to a '{self.kind}' event")
        if self.born is not None and self.born >= self.year:
            raise ValueError(f"a leader born in {self.born} cannot take office in {self.year}")
        if self.kind == "rename" and (self.party is None or not isinstance(self.value, str)):
            raise ValueError("a 'rename' event needs a 'party' and a new name as 'value'")
        if self.kind in allowed and self.value not in allowed[self.kind]:
            raise ValueError(
                f"a '{self.kind}' event takes 'value' one of {list(allowed[self.kind])}, got {self.value!r}"
            )
        return self


class Drivers(_Strict):
    """The ``[drivers]`` table."""

    schedules: list[ScheduleSpec] = Field(default_factory=list)
    events: list[EventSpec] = Field(default_factory=list)


def _parameter_group_model(group: str) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for p in by_group(group):
        kind = int if p.integer else float
        fields[p.name] = (kind | None, Field(default=None, ge=p.lo, le=p.hi, description=p.doc))
    return create_model(f"{group.title()}Parameters", __base__=_Strict, **fields)


_GROUP_MODELS = {group: _parameter_group_model(group) for group in GROUPS}
globals().update({model.__name__: model for model in _GROUP_MODELS.values()})  # picklable (process pools)
ParametersSpec = create_model(
    "ParametersSpec", __base__=_Strict, **{g: (m, Field(default_factory=m)) for g, m in _GROUP_MODELS.items()}
)


class ScenarioSpec(_Strict):
    """A whole validated scenario file."""

    scenario: ScenarioInfo
    resolution: Resolution = Field(default_factory=Resolution)
    states: list[StateSpec] = Field(min_length=1)
    parties: list[PartySpec] = Field(default_factory=list)
    centres: list[CentreSpec] = Field(default_factory=list)
    parameters: ParametersSpec = Field(default_factory=ParametersSpec)  # type: ignore[valid-type]
    drivers: Drivers = Field(default_factory=Drivers)

    @model_validator(mode="after")
    def _references(self) -> ScenarioSpec:
        _check_references(self)
        return self

    # -- convenience -------------------------------------------------------------------------------------------
    def parameter_values(self) -> dict[str, float]:
        """Every parameter: the file's value where given, else the default."""
        values = {name: p.default for name, p in PARAMETERS.items()}
        for group in GROUPS:
            for name, value in getattr(self.parameters, group).model_dump().items():
                if value is not None:
                    values[name] = value
        return values

    def state(self, code: str) -> StateSpec:
        """The state with this code."""
        return next(s for s in self.states if s.code == code)


class _RefError(ValueError):
    """A reference error with its own key path (raised inside the model validator)."""

    def __init__(self, loc: str, msg: str):
        super().__init__(msg)
        self.loc = loc


def _check_references(spec: ScenarioSpec) -> None:
    states = [s.code for s in spec.states]
    parties = [p.code for p in spec.parties]
    for what, codes in (("state", states), ("party", parties), ("centre", [c.code for c in spec.centres])):
        seen: set[str] = set()
        for i, code in enumerate(codes):
            if code in seen:
                raise _RefError(
                    f"{what if what != 'party' else 'partie'}s[{i}].code", f"duplicate {what} code {code!r}"
                )
            seen.add(code)
    known = set(states)

    def need_state(loc: str, code: str | None) -> None:
        if code is not None and code not in known:
            raise _RefError(loc, f"unknown state code {code!r} (known: {', '.join(states)})")

    for i, p in enumerate(spec.parties):
        need_state(f"parties[{i}].state", p.state)
    for i, c in enumerate(spec.centres):
        need_state(f"centres[{i}].state", c.state)
    hosts = {c.state: c.code for c in spec.centres}
    for i, s in enumerate(spec.drivers.schedules):
        for j, code in enumerate(s.states):
            if code != "*":
                need_state(f"drivers.schedules[{i}].states[{j}]", code)
            if s.variable == "aid" and code in hosts:
                raise _RefError(
                    f"drivers.schedules[{i}].states[{j}]",
                    f"aid is what the centre's host state gives: {code} hosts centre {hosts[code]} and cannot "
                    "receive it",
                )
    for i, e in enumerate(spec.drivers.events):
        need_state(f"drivers.events[{i}].state", e.state)
        for j, code in enumerate(e.states):
            need_state(f"drivers.events[{i}].states[{j}]", code)
        if e.party is not None and e.party not in parties:
            raise _RefError(
                f"drivers.events[{i}].party", f"unknown party code {e.party!r} (known: {', '.join(parties)})"
            )
        if not spec.scenario.start_year <= e.year <= spec.scenario.end_year:
            raise _RefError(
                f"drivers.events[{i}].year",
                f"year {e.year} is outside the scenario's years {spec.scenario.start_year}-{spec.scenario.end_year}",
            )
    for i, s in enumerate(spec.states):
        need_state(f"states[{i}].unify_with", s.unify_with)
        if s.unify_with == s.code:
            raise _RefError(f"states[{i}].unify_with", f"state {s.code} cannot unify with itself; expected a neighbour")
        for j, code in enumerate(s.exit_through):
            need_state(f"states[{i}].exit_through[{j}]", code)
            if code == s.code:
                raise _RefError(
                    f"states[{i}].exit_through[{j}]",
                    f"state {s.code} cannot be left through itself; expected a neighbour",
                )
        communists = [p for p in spec.parties if p.state == s.code and p.family == "communist"]
        if s.route_to_power != "none" and not communists:
            raise _RefError(
                f"states[{i}].route_to_power", f"state {s.code} has a route to power but no Communist party"
            )
        for p in communists:
            if s.entry_year is not None and p.founded is not None and p.founded > s.entry_year:
                raise _RefError(
                    f"states[{i}].entry_year",
                    f"{s.code} enters in {s.entry_year} but its Communist party {p.code} "
                    f"is founded only in {p.founded}",
                )
        if len(communists) > 1:
            raise _RefError(f"states[{i}].code", f"state {s.code} has {len(communists)} Communist parties; at most one")
        sds = [p for p in spec.parties if p.state == s.code and p.family == "social_democratic"]
        if len(sds) > 1:
            raise _RefError(
                f"states[{i}].code", f"state {s.code} has {len(sds)} social-democratic parties; at most one"
            )
