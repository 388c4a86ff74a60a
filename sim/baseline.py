"""The regression baseline: a stored summary of a small historical ensemble, so history never changes silently.

``tests/test_baseline.py`` recomputes the summary on every test run and compares it with
``tests/baselines/historical.json``; any change to the mechanisms, parameters or the historical scenario that moves
a status-change year, a status count, a membership figure, an event count or a check value fails that test until
the baseline is updated on purpose with ``uv run sim baseline --update`` (and the JSON diff is committed with the
change that caused it). ``uv run sim baseline`` (no option) only compares and lists the differences.
"""

from __future__ import annotations

from typing import Any

from sim.ensemble import Ensemble, run_ensemble
from sim.resources import CHECKOUT, PACKAGE_ROOT
from sim.scenario import load
from sim.whatif import KEY_YEARS

BASELINE_FILE = "tests/baselines/historical.json"
BASELINE_PATH = (CHECKOUT or PACKAGE_ROOT.parent) / BASELINE_FILE
"""The stored baseline; it belongs to the source checkout (see :func:`sim.resources.checkout_file`)."""
SCENARIO = "historical"
SEEDS = tuple(range(1, 9))
YEARS = KEY_YEARS
FORMAT = 1
STATUSES = ("communist", "hybrid", "non_communist")


def _round(value: float, digits: int = 6) -> float | None:
    return None if value != value else round(float(value), digits)


def summarise(ens: Ensemble) -> dict[str, Any]:
    """The summary: per seed, every status change, status counts at key years, total members, event counts;
    and the value of every history check on the whole (small) ensemble."""
    from sim.history import all_checks
    from sim.output import status_change_table

    states, model, events = ens.table("states"), ens.table("model"), ens.table("events")
    changes = status_change_table(states).sort_values(["seed", "year", "code"])
    per_seed: dict[str, Any] = {}
    for seed in ens.seeds:
        c = changes[changes.seed == seed]
        m = model[model.seed == seed].set_index("year")
        e = events[events.seed == seed].kind.value_counts().sort_index()
        years = [y for y in YEARS if y in m.index]
        per_seed[str(seed)] = {
            "status_changes": [f"{r.year} {r.code} {r.from_status}->{r.to_status}" for r in c.itertuples()],
            "status_counts": {str(y): [int(m.at[y, s]) for s in STATUSES] for y in years},
            "members": {str(y): int(m.at[y, "members"]) for y in years},
            "events": {str(k): int(v) for k, v in e.items()},
        }
    checks = {c.id: _round(c.value, 4) for c in all_checks(ens, None)}
    return {
        "format": FORMAT,
        "scenario": ens.scenario.name,
        "scenario_sha256": ens.scenario.sha256,
        "seeds": list(ens.seeds),
        "checks": checks,
        "runs": per_seed,
    }


def compute(workers: int | None = None, progress: bool = False) -> dict[str, Any]:
    """Run the baseline ensemble and summarise it."""
    ens = run_ensemble(load(SCENARIO), list(SEEDS), workers=workers, progress=progress, label="baseline")
    return summarise(ens)


def differences(stored: Any, current: Any, path: str = "") -> list[str]:
    """Human-readable differences between two summaries (``path: stored -> current``)."""
    if isinstance(stored, dict) and isinstance(current, dict):
        out: list[str] = []
        for key in sorted(set(stored) | set(current)):
            where = f"{path}.{key}" if path else str(key)
            if key not in stored:
                out.append(f"{where}: (absent) -> {current[key]!r}")
            elif key not in current:
                out.append(f"{where}: {stored[key]!r} -> (absent)")
            else:
                out += differences(stored[key], current[key], where)
        return out
    if isinstance(stored, list) and isinstance(current, list) and all(isinstance(x, str) for x in stored + current):
        gone = [x for x in stored if x not in current]
        new = [x for x in current if x not in stored]
        return [f"{path}: - {x}" for x in gone] + [f"{path}: + {x}" for x in new]
    return [] if stored == current else [f"{path}: {stored!r} -> {current!r}"]
