"""Scenario files: read, validate and load a scenario (the schema itself is :mod:`sim.schema`).

A scenario is a TOML file whose tables :mod:`sim.schema` defines. :func:`load` takes a name in
``sim/scenarios/`` (``stylized``, ``historical``), a path, or a loaded :class:`Scenario`. Every error names the
file, the key path and what was expected (:class:`ScenarioError`), and nothing is run or written when a file is
invalid. The schema's names are importable from here as well.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import ScenarioError
from sim.params import GROUPS, PARAMETERS, by_group
from sim.resources import SCENARIO_DIR  # where scenario names such as "stylized" are looked up
from sim.schema import (
    WORLD_OVERRIDES,
    ScenarioSpec,
    _RefError,
)
from sim.vocab import DRIVER_VARIABLES

# -- loading ------------------------------------------------------------------------------------------------------


def resolve_named(name: str | Path, directory: Path, what: str) -> Path:
    """A name of a TOML file in ``directory`` (``"stylized"``) or a path, as an existing file path; the error
    lists the names there."""
    path = Path(name)
    if path.suffix != ".toml" and not path.exists():
        candidate = directory / f"{name}.toml"
        if candidate.exists():
            return candidate
        known = ", ".join(sorted(p.stem for p in directory.glob("*.toml")))
        raise ScenarioError(f"{name}: no such {what} file or name (names in {directory}: {known})")
    if not path.exists():
        raise ScenarioError(f"{path}: no such {what} file")
    return path


def resolve_path(scenario: str | Path) -> Path:
    """Turn a scenario name (``"stylized"``) or path into an existing file path."""
    return resolve_named(scenario, SCENARIO_DIR, "scenario")


def read_toml(path: Path, what: str) -> tuple[dict[str, Any], bytes]:
    """Read a TOML file: its parsed content and its bytes (for the content hash).

    Raises:
        ScenarioError: the path is a folder or cannot be read (naming the OS's reason), the bytes are not UTF-8
            text, or the text is not valid TOML (with its line and column).
    """
    if path.is_dir():
        raise ScenarioError(f"{path}: is a folder; expected a {what} file (TOML)")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the {what} file ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not UTF-8 text (byte {exc.start}); expected a {what} file in TOML") from None
    try:
        return tomllib.loads(text), raw
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: malformed TOML: {exc}") from None


def _format_loc(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
        elif item in ("function-after[_shape(), EventSpec]",) or str(item).startswith(("function-", "tagged-union")):
            continue
        else:
            parts.append(str(item))
    return ".".join(parts) or "(top level)"


def _explain(err: dict[str, Any]) -> str:
    msg = err["msg"].removeprefix("Value error, ")
    loc = err["loc"]
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
        if len(loc) >= 2 and loc[0] == "parameters":
            name = loc[-1]
            if len(loc) == 2 and loc[1] in PARAMETERS:
                msg = f"unknown key: parameter {loc[1]!r} belongs in [parameters.{PARAMETERS[loc[1]].group}]"
            elif name in PARAMETERS:
                msg = f"unknown key: parameter {name!r} belongs in [parameters.{PARAMETERS[name].group}]"
            elif len(loc) == 2:
                msg = f"unknown parameter group (groups: {', '.join(GROUPS)})"
            else:
                msg = f"unknown parameter (parameters of [{loc[1]}]: {', '.join(p.name for p in by_group(loc[1]))})"
    elif loc and loc[-1] in PARAMETERS:
        p = PARAMETERS[loc[-1]]
        msg = f"{msg}; expected {'an integer' if p.integer else 'a number'} in [{p.lo:g}, {p.hi:g}] ({p.unit})"
    if "input" in err and err["type"] != "missing" and not isinstance(err["input"], dict | list):
        msg = f"{msg} (got {err['input']!r})"
    return msg


def validate(data: Mapping[str, Any], source: str = "<scenario>") -> ScenarioSpec:
    """Validate a parsed scenario mapping; raise :class:`ScenarioError` naming ``source`` and every bad key."""
    try:
        spec = ScenarioSpec.model_validate(dict(data))
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            ctx_err = err.get("ctx", {}).get("error")
            if isinstance(ctx_err, _RefError):
                lines.append(f"{source}: {ctx_err.loc}: {ctx_err}")
            else:
                lines.append(f"{source}: {_format_loc(err['loc'])}: {_explain(err)}")
        raise ScenarioError("\n".join(lines)) from None
    if spec.scenario.causal_rule == "strict":
        from sim.causal_rule import refusals

        if problems := refusals(spec):
            raise ScenarioError("\n".join(f"{source}: {problem}" for problem in problems))
    return spec


class Scenario:
    """A loaded scenario: the validated spec, where it came from and its content hash.

    Args:
        spec: the validated scenario.
        path: the file it was read from, if any.
        sha256: hash of the file's bytes (or of the canonical spec when built in memory).
    """

    def __init__(self, spec: ScenarioSpec, path: Path | None = None, sha256: str | None = None):
        self.spec = spec
        self.path = path
        self.sha256 = sha256 or hashlib.sha256(spec.model_dump_json().encode()).hexdigest()
        self.variant: str | None = None  # the what-if variant applied to it, if any (sim.variants)

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.spec.scenario.name

    def __repr__(self) -> str:
        return f"Scenario({self.name!r}, {self.spec.scenario.start_year}-{self.spec.scenario.end_year})"

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """A copy with parameter, world and driver overrides applied and validated (see :func:`apply_overrides`)."""
        if not overrides:
            return self
        spec = apply_overrides(self.spec, overrides, source=str(self.path or self.name))
        return Scenario(spec, self.path, None)

    def with_events(self, events: list[dict[str, Any]]) -> Scenario:
        """A copy with extra dated events (``[[drivers.events]]`` entries as dicts), validated."""
        data = self.spec.model_dump(mode="python")
        data["drivers"]["events"].extend(events)
        return Scenario(validate(data, f"{self.path or self.name} (with events)"), self.path, None)


def load(scenario: str | Path | Scenario | None = None) -> Scenario:
    """Load and validate a scenario by name (``"stylized"``), path, or pass a :class:`Scenario` through.

    Raises:
        ScenarioError: the file is missing, is not valid TOML, or does not match the schema.
    """
    if isinstance(scenario, Scenario):
        return scenario
    path = resolve_path("stylized" if scenario is None else scenario)
    data, raw = read_toml(path, "scenario")
    return Scenario(validate(data, str(path)), path, hashlib.sha256(raw).hexdigest())


def apply_overrides(spec: ScenarioSpec, overrides: Mapping[str, Any], source: str = "<overrides>") -> ScenarioSpec:
    """Apply keyword overrides to a scenario and validate the result.

    Keys may be any parameter name (``belief_erosion=0.3``), a world key (``end_year``, ``start_year``,
    ``convention``, ``member_slots``, ``citizens``), or a driver variable (``hegemony``, ``tolerance``,
    ``commitment``, ``monopoly_pressure``, ``emigration``, ``aid``) given as a constant or as a list of ``(year,
    value)`` points, which replaces every schedule of that variable (``aid=0`` removes all Soviet aid). Overriding
    ``start_year`` or ``end_year`` drops the dated events that fall outside the new years.
    """
    data = spec.model_dump(mode="python")
    schedules = data["drivers"]["schedules"]
    for key, value in overrides.items():
        if key in PARAMETERS:
            p = PARAMETERS[key]
            if isinstance(value, float) and p.integer and value.is_integer():
                value = int(value)
            elif isinstance(value, int) and not isinstance(value, bool) and not p.integer:
                value = float(value)
            elif hasattr(value, "item"):  # numpy scalars from sweeps
                value = value.item()
                value = int(value) if p.integer and float(value).is_integer() else value
                value = float(value) if not p.integer else value
            data["parameters"][p.group][key] = value
        elif key in ("start_year", "end_year", "member_slots", "citizens"):
            value = value.item() if hasattr(value, "item") else value  # numpy scalars
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ScenarioError(f"{source}: override {key}: expected an integer, got {value!r}")
            data["scenario" if key.endswith("_year") else "resolution"][key] = value
            if key == "member_slots":
                for party in data["parties"]:
                    party["slots"] = None
        elif key == "convention":
            data["scenario"][key] = value
        elif key in DRIVER_VARIABLES:
            if isinstance(value, int | float) and not isinstance(value, bool):
                points = [(data["scenario"]["start_year"], float(value))]
            else:
                try:
                    points = [(int(y), float(v)) for y, v in value]
                except (TypeError, ValueError):
                    raise ScenarioError(
                        f"{source}: override {key}: expected a number or a list of (year, value) pairs, got {value!r}"
                    ) from None
            schedules[:] = [s for s in schedules if s["variable"] != key]
            schedules.append({"variable": key, "points": points, "note": "override"})
        else:
            known = sorted([*PARAMETERS, *WORLD_OVERRIDES, *DRIVER_VARIABLES])
            raise ScenarioError(f"{source}: override {key!r}: unknown key (expected one of: {', '.join(known)})")
    if "start_year" in overrides or "end_year" in overrides:
        # a shortened world simply never reaches the events outside it
        first, last = data["scenario"]["start_year"], data["scenario"]["end_year"]
        data["drivers"]["events"] = [e for e in data["drivers"]["events"] if first <= e["year"] <= last]
    return validate(data, f"{source} (with overrides)")
