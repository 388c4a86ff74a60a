"""What-if variants: a small TOML file that changes a baseline scenario's drivers or parameters, and nothing else.

A variant names its baseline and says what differs::

    [variant]
    name = "conservative_1985"
    base = "historical"
    title = "A conservative succeeds Chernenko in 1985"

    [parameters.leadership]          # parameter overrides, as in a scenario
    glasnost_step = 0.04

    [[replace_events]]               # change matching dated events of the baseline
    match = { year = 1985, kind = "leader", state = "SUN" }
    set = { value = "conservative", note = "a conservative general secretary" }

    [[remove_events]]                # drop matching dated events
    match = { year = 1928, kind = "policy", state = "SUN" }

    [[add_events]]                   # add dated events (as [[drivers.events]])
    year = 1970
    kind = "leader"
    state = "CSK"
    value = "reformer"

    [[schedules]]                    # replace the baseline's schedules of a variable (as [[drivers.schedules]])
    variable = "hegemony"
    points = [[1917, 0.3], [1945, 0.9], [2030, 0.9]]

Every match must find at least one event of the baseline, and every state, party or key named must exist in it:
a variant that names something the baseline lacks is an error (:class:`~sim.scenario.ScenarioError`) naming the
file, the key and what was expected. The result is validated with the scenario schema like any scenario.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.resources import VARIANT_DIR
from sim.scenario import (
    Scenario,
    ScenarioError,
    _explain,
    _format_loc,
    read_toml,
    resolve_named,
    validate,
)

EVENT_KEYS = ("year", "kind", "state", "states", "party", "value", "name", "note", "belief", "born", "health")
_CODES = "a list of codes (strings)"
EVENT_TYPES: dict[str, tuple[str, Any]] = {
    "year": ("an integer year", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "kind": ("a string", lambda v: isinstance(v, str)),
    "state": ("a state code (a string)", lambda v: isinstance(v, str)),
    "states": (_CODES, lambda v: isinstance(v, list) and all(isinstance(c, str) for c in v)),
    "party": ("a party code (a string)", lambda v: isinstance(v, str)),
    "value": ("a string or a number", lambda v: isinstance(v, str | int | float) and not isinstance(v, bool)),
    "name": ("a string", lambda v: isinstance(v, str)),
    "note": ("a string", lambda v: isinstance(v, str)),
    "born": ("an integer year", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "health": ("a positive number", lambda v: isinstance(v, int | float) and not isinstance(v, bool) and v > 0),
    "variable": ("a driver name (a string)", lambda v: isinstance(v, str)),
}
"""What each key of an event or schedule given by a variant must be, checked before the baseline is touched."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class VariantInfo(_Strict):
    """The ``[variant]`` table."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    base: str
    title: str = ""
    description: str = ""


class EventMatch(_Strict):
    """Which baseline events a rule applies to: every given key must be equal."""

    year: int | None = None
    kind: str | None = None
    state: str | None = None
    party: str | None = None
    value: str | float | None = None


class ReplaceEvents(_Strict):
    """A ``[[replace_events]]`` entry."""

    match: EventMatch
    set: dict[str, Any]


class RemoveEvents(_Strict):
    """A ``[[remove_events]]`` entry."""

    match: EventMatch


class VariantSpec(_Strict):
    """A whole variant file (events and schedules are validated later, against the baseline's schema)."""

    variant: VariantInfo
    parameters: dict[str, dict[str, Any]] = Field(default_factory=dict)
    replace_events: list[ReplaceEvents] = Field(default_factory=list)
    remove_events: list[RemoveEvents] = Field(default_factory=list)
    add_events: list[dict[str, Any]] = Field(default_factory=list)
    schedules: list[dict[str, Any]] = Field(default_factory=list)


class Variant:
    """A loaded variant: its spec, the file, and the scenario it makes from its baseline."""

    def __init__(self, spec: VariantSpec, path: Path):
        self.spec = spec
        self.path = path

    @property
    def name(self) -> str:
        """The variant's name."""
        return self.spec.variant.name

    @property
    def title(self) -> str:
        """The variant's title (its name if it has none)."""
        return self.spec.variant.title or self.name

    def apply(self, baseline: Scenario) -> Scenario:
        """The baseline with this variant's changes, validated; raises :class:`ScenarioError` on any mismatch."""
        return apply_variant(self, baseline)


def resolve_variant_path(variant: str | Path) -> Path:
    """A variant name in ``sim/scenarios/whatif/`` or a path."""
    return resolve_named(variant, VARIANT_DIR, "variant")


def load_variant(variant: str | Path) -> Variant:
    """Read and check the shape of a variant file (its content is checked against a baseline by ``apply``)."""
    path = resolve_variant_path(variant)
    data, _raw = read_toml(path, "variant")
    try:
        spec = VariantSpec.model_validate(data)
    except ValidationError as exc:
        lines = [f"{path}: {_format_loc(err['loc'])}: {_explain(err)}" for err in exc.errors()]
        raise ScenarioError("\n".join(lines)) from None
    return Variant(spec, path)


def _matches(event: dict[str, Any], match: EventMatch) -> bool:
    return all(value is None or event.get(key) == value for key, value in match.model_dump().items())


def apply_variant(variant: Variant, baseline: Scenario) -> Scenario:
    """Apply a variant to a baseline scenario."""
    source = str(variant.path)
    spec = variant.spec
    if spec.variant.base != baseline.name:
        raise ScenarioError(
            f"{source}: variant.base: the variant modifies {spec.variant.base!r} but the baseline is {baseline.name!r}"
        )
    data = baseline.spec.model_dump(mode="python")
    states = {s["code"] for s in data["states"]}
    parties = {p["code"] for p in data["parties"]}

    def check_codes(loc: str, entry: dict[str, Any]) -> None:
        for key, (what, ok) in EVENT_TYPES.items():
            if entry.get(key) is not None and not ok(entry[key]):
                raise ScenarioError(f"{source}: {loc}.{key}: expected {what} (got {entry[key]!r})")
        if entry.get("state") is not None and entry["state"] not in states:
            raise ScenarioError(
                f"{source}: {loc}.state: the baseline {baseline.name!r} has no state {entry['state']!r} "
                f"(its states: {', '.join(sorted(states))})"
            )
        for code in entry.get("states", []) or []:
            if code != "*" and code not in states:
                raise ScenarioError(f"{source}: {loc}.states: the baseline {baseline.name!r} has no state {code!r}")
        if entry.get("party") is not None and entry["party"] not in parties:
            raise ScenarioError(
                f"{source}: {loc}.party: the baseline {baseline.name!r} has no party {entry['party']!r}"
            )

    for group, values in spec.parameters.items():
        if group not in data["parameters"]:
            known = ", ".join(data["parameters"])
            raise ScenarioError(f"{source}: parameters.{group}: unknown parameter group (groups: {known})")
        for key, value in values.items():
            if key not in data["parameters"][group]:
                raise ScenarioError(
                    f"{source}: parameters.{group}.{key}: the baseline's parameter group has no key {key!r}"
                )
            data["parameters"][group][key] = value
    events = data["drivers"]["events"]
    for i, rule in enumerate(spec.replace_events):
        check_codes(f"replace_events[{i}].match", rule.match.model_dump())
        hits = [e for e in events if _matches(e, rule.match)]
        if not hits:
            raise ScenarioError(f"{source}: replace_events[{i}].match: matches no event of the baseline")
        for key in rule.set:
            if key not in EVENT_KEYS:
                raise ScenarioError(f"{source}: replace_events[{i}].set.{key}: unknown event key")
        check_codes(f"replace_events[{i}].set", rule.set)
        for event in hits:
            event.update(rule.set)
    for i, rule in enumerate(spec.remove_events):
        check_codes(f"remove_events[{i}].match", rule.match.model_dump())
        kept = [e for e in events if not _matches(e, rule.match)]
        if len(kept) == len(events):
            raise ScenarioError(f"{source}: remove_events[{i}].match: matches no event of the baseline")
        events[:] = kept
    for i, event in enumerate(spec.add_events):
        check_codes(f"add_events[{i}]", event)
        if event.get("year") is None:
            raise ScenarioError(f"{source}: add_events[{i}].year: expected an integer year (missing)")
        events.append(event)
    events.sort(key=lambda e: e["year"])
    schedules = data["drivers"]["schedules"]
    for i, schedule in enumerate(spec.schedules):
        check_codes(f"schedules[{i}]", schedule)
        variable = schedule.get("variable")
        targets = set(schedule.get("states", ["*"]))
        schedules[:] = [
            s for s in schedules if not (s["variable"] == variable and set(s.get("states", ["*"])) == targets)
        ]
        schedules.append(schedule)
    scenario = Scenario(validate(data, f"{source} (applied to {baseline.path or baseline.name})"), baseline.path)
    scenario.variant = variant.name
    return scenario
