"""What a user types into the dashboard, checked before it reaches the model.

Each check returns the value or raises :class:`InputError` with a sentence naming the field, what was typed and
what was expected; the page shows it beside the field and keeps the run it has. Nothing here touches a model.
"""

from __future__ import annotations

from pathlib import Path

from sim.scenario import Scenario, ScenarioError, load, read_toml
from sim.variants import VARIANT_DIR, load_variant

SEED_MAX = 2**32 - 1
"""Largest seed (numpy's generators take seeds 0 to 2**32 - 1 as plain integers here)."""


class InputError(ValueError):
    """A value typed into the page that cannot be used (the message says which field and what was expected)."""


def parse_seed(text: str | int | None) -> int:
    """A seed from the seed field: a whole number from 0 to 4294967295."""
    raw = "" if text is None else str(text).strip()
    if raw == "":
        raise InputError("Seed: empty; expected a whole number from 0 to 4294967295")
    try:
        seed = int(raw)
    except ValueError:
        raise InputError(f"Seed: {raw!r} is not a whole number; expected 0 to 4294967295") from None
    if not 0 <= seed <= SEED_MAX:
        raise InputError(f"Seed: {seed} is out of range; expected 0 to 4294967295")
    return seed


def parse_year(text: str | int | None, first: int, last: int, field: str = "Year") -> int | None:
    """A year within the run (``first`` to ``last``), or None for an empty field."""
    raw = "" if text is None else str(text).strip()
    if raw == "":
        return None
    try:
        year = int(raw)
    except ValueError:
        raise InputError(f"{field}: {raw!r} is not a year; expected a year from {first} to {last}") from None
    if not first <= year <= last:
        raise InputError(f"{field}: {year} is outside the run; expected a year from {first} to {last}")
    return year


def _read_toml(path: Path, what: str) -> dict:
    """The parsed file (:func:`sim.scenario.read_toml`: folder, unreadable, not UTF-8, not TOML are messages)."""
    if not path.exists():
        raise ScenarioError(f"{path}: no such {what} file")
    return read_toml(path, what)[0]


def load_scenario(source: str) -> Scenario:
    """The scenario named or at the path typed (a variant file is refused with a pointer to the what-if field).

    Raises:
        ScenarioError: missing, a folder, unreadable, not TOML, a variant, or not matching the schema.
    """
    source = source.strip()
    if not source:
        raise ScenarioError("Scenario: empty; expected a scenario name or the path of a scenario file")
    path = Path(source).expanduser()
    if path.suffix == ".toml" or path.exists():
        data = _read_toml(path, "scenario")
        if "variant" in data and "states" not in data:
            raise ScenarioError(f"{path}: a what-if variant, not a scenario; choose it in the What-if field instead")
        return load(path)
    return load(source)


def load_variant_scenario(source: str, baseline: Scenario) -> tuple[Scenario, str, list[str]]:
    """The baseline changed by the variant named or at the path typed, its title and its changes in words.

    Raises:
        ScenarioError: missing, a folder, unreadable, not TOML, a scenario instead of a variant, or a variant that
            does not fit the baseline.
    """
    source = source.strip()
    path = Path(source).expanduser()
    if path.suffix == ".toml" or path.exists():
        data = _read_toml(path, "variant")
        if "variant" not in data:
            raise ScenarioError(f"{path}: not a what-if variant (no [variant] table); expected a file like those "
                                f"in {VARIANT_DIR}")  # fmt: skip
    try:
        variant = load_variant(path if path.exists() else source)
    except OSError as exc:
        raise ScenarioError(f"{source}: cannot be read ({exc.strerror or exc})") from None
    base = baseline.spec.scenario.name
    if variant.spec.variant.base not in (base, str(baseline.path), baseline.path.stem):
        raise ScenarioError(
            f"{variant.path}: variant.base is {variant.spec.variant.base!r}; this run's scenario is {base!r} "
            "(choose that scenario first)"
        )
    return variant.apply(baseline), variant.title or variant.name, changes_of(variant.spec)


def changes_of(spec) -> list[str]:
    """What a variant changes, one line per change (the causes that differ from the baseline)."""
    lines = []
    for group, values in (spec.parameters or {}).items():
        for key, value in values.items():
            lines.append(f"parameter {group}.{key} = {value}")
    for item in spec.remove_events:
        lines.append("removed: " + _match(item.match))
    for item in spec.replace_events:
        lines.append("changed: " + _match(item.match) + " → " + ", ".join(f"{k} {v}" for k, v in item.set.items()))
    for event in spec.add_events:
        lines.append("added: " + ", ".join(f"{k} {v}" for k, v in event.items() if v is not None and k != "note"))
    for schedule in spec.schedules:
        variable = schedule.get("variable") if isinstance(schedule, dict) else getattr(schedule, "variable", "?")
        note = schedule.get("note", "") if isinstance(schedule, dict) else getattr(schedule, "note", "")
        lines.append(f"schedule of {variable} replaced" + (f" ({note})" if note else ""))
    return lines


def _match(match) -> str:
    return ", ".join(f"{k} {v}" for k, v in match.model_dump().items() if v is not None)
