"""Runs over posterior draws: ``sim history --posterior FILE`` and ``sim whatif --posterior FILE``.

A posterior is the ``posterior.parquet`` of ``sim calibrate`` (or its folder). Its last generation is resampled by
weight with a generator seeded from the first seed, and replicate ``i`` runs **draw i with seed i**: the bands,
change-year ranges and fate tables of the reports then hold parameter uncertainty as well as seed noise. In a
what-if, the baseline and the variant run the same draw with the same seed (common random numbers still pair them
draw by draw); a parameter the variant itself sets keeps the variant's value.

:func:`robustness` says which outcomes the record constrains: an outcome whose value is the same (a status) or
within a year (a change year) in at least 90% of the draws is *robust*; one below 70% is left *open* by the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.ensemble import Ensemble, run_jobs
from sim.params import PARAMETERS
from sim.scenario import Scenario, ScenarioError

BOOKKEEPING = ("generation", "particle", "weight", "distance", "epsilon")
ROBUST, MOSTLY = 0.9, 0.7
KEY_STATES_YEAR = 2025


def load_posterior(path: str | Path) -> pd.DataFrame:
    """The last generation of a posterior file (or of the ``posterior.parquet`` in a calibration folder).

    Raises:
        ScenarioError: the file is missing, is not Parquet, lacks the weight column or names unknown parameters.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "posterior.parquet"
    if not path.exists():
        raise ScenarioError(f"--posterior {path}: no such file (expected the posterior.parquet of `sim calibrate`)")
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise ScenarioError(f"--posterior {path}: not a Parquet file ({type(exc).__name__})") from None
    for column in ("generation", "weight"):
        if column not in frame.columns:
            raise ScenarioError(f"--posterior {path}: column {column!r}: missing (expected sim calibrate's columns)")
    names = parameter_names(frame)
    unknown = [n for n in names if n not in PARAMETERS]
    if unknown or not names:
        raise ScenarioError(
            f"--posterior {path}: columns {unknown or '(none)'}: expected parameter names of sim/params.py"
        )
    return frame[frame.generation == frame.generation.max()].reset_index(drop=True)


def parameter_names(frame: pd.DataFrame) -> list[str]:
    """The parameter columns of a posterior frame."""
    return [c for c in frame.columns if c not in BOOKKEEPING]


def draws(posterior: pd.DataFrame, n: int, seed: int) -> list[dict[str, float | int]]:
    """``n`` draws resampled by weight (seeded), as scenario overrides; draw ``i`` pairs with seed ``seed + i``."""
    rng = np.random.default_rng([seed, 13])
    weights = posterior.weight.to_numpy(float)
    picks = rng.choice(len(posterior), size=n, replace=True, p=weights / weights.sum())
    out = []
    for i in picks:
        row = posterior.iloc[int(i)]
        names = parameter_names(posterior)
        out.append({name: int(row[name]) if PARAMETERS[name].integer else float(row[name]) for name in names})
    return out


def run_over_draws(
    worlds: Sequence[Scenario],
    seeds: Sequence[int],
    workers: int | None = None,
    until: int | None = None,
    label: str = "posterior draws",
    progress: bool = True,
) -> list[dict[str, pd.DataFrame]]:
    """Run world ``i`` with seed ``i`` (on the ensembles' process pool) and return each run's tables, in order."""
    jobs = [(world, seed, i, until) for i, (world, seed) in enumerate(zip(worlds, seeds, strict=True))]
    return run_jobs(jobs, workers, progress, label)


def posterior_ensemble(
    base: Scenario,
    overrides: Sequence[dict[str, float | int]],
    seeds: Sequence[int],
    workers: int | None = None,
    until: int | None = None,
    variant=None,
    label: str | None = None,
) -> Ensemble:
    """The ensemble of ``base`` (with ``variant`` applied on top of each draw, if given) over the draws."""
    worlds = []
    for draw in overrides:
        world = base.with_overrides(draw)
        worlds.append(variant.apply(world) if variant is not None else world)
    name = base.name if variant is None else variant.name
    runs = run_over_draws(worlds, seeds, workers, until, label or f"{name} over {len(worlds)} posterior draws")
    return Ensemble(worlds[0], list(seeds), runs)


# -- what the record constrains ---------------------------------------------------------------------------------


def _label(agreement: float) -> str:
    return "robust" if agreement >= ROBUST else ("mostly" if agreement >= MOSTLY else "open")


def robustness(ens: Ensemble, cut: int | None = None, year: int = KEY_STATES_YEAR) -> pd.DataFrame:
    """Per state: its status in ``year`` and its first exit from communist rule, with the share of draws that agree
    with the most common value (statuses) or lie within a year of the median (exit years), and a label.

    Args:
        ens: an ensemble over posterior draws.
        cut: the calibration's cut year (outcomes dated up to it were fitted, later ones predicted).
        year: the year whose statuses are tabulated.
    """
    from sim.output import first_changes

    states = ens.table("states")
    n = len(ens.seeds)
    rows = []
    at = states[states.year == year]
    for code, g in at.groupby("code", sort=False):
        counts = g.status.value_counts()
        share = float(counts.iloc[0] / n)
        rows.append({"outcome": f"status {year}", "code": code, "value": counts.index[0], "agreement": share,
                     "fitted": cut is not None and year <= cut, "label": _label(share)})  # fmt: skip
    first = first_changes(states)
    exits = first[(first.from_status != "non_communist") & (first.to_status == "non_communist")]
    exits = exits.sort_values("year").groupby(["seed", "code"]).year.first().reset_index()
    for code, g in exits.groupby("code", sort=False):
        median = float(g.year.median())
        share = float(((g.year - median).abs() <= 1).sum() / n)  # a draw without an exit disagrees
        fitted = cut is not None and median <= cut
        rows.append({"outcome": "exit year", "code": code, "value": f"{median:.0f} ({len(g)}/{n} draws)",
                     "agreement": share, "fitted": fitted, "label": _label(share)})  # fmt: skip
    return pd.DataFrame(rows, columns=["outcome", "code", "value", "agreement", "fitted", "label"])


def uncertainty_markdown(table: pd.DataFrame, overrides: Sequence[dict], source: str, cut: int | None) -> str:
    """The report section: what ran, and which outcomes are robust to the parameters and which the record leaves
    open."""
    names = list(overrides[0]) if overrides else []
    lines = [
        "",
        "## Parameter uncertainty (posterior draws)",
        "",
        f"Replicate i ran posterior draw i of `{source}` with seed i: the bands and change-year ranges above include "
        f"the uncertainty of {', '.join(f'`{n}`' for n in names)} as well as seed noise. An outcome is *robust* when "
        f"at least {ROBUST:.0%} of the draws agree (the same status, or an exit year within a year of the median), "
        f"*open* below {MOSTLY:.0%}: the record"
        + (f" up to {cut} (the calibration's cut year)" if cut else "")
        + " does not constrain it.",
        "",
    ]
    for label in ("robust", "mostly", "open"):
        part = table[table.label == label]
        items = ", ".join(f"{r.code} {r.outcome} {r.value} ({r.agreement:.0%})" for r in part.itertuples())
        lines.append(f"- **{label}** ({len(part)}): {items or '-'}")
    lines += ["", "| outcome | state | most common / median | agreement | fitted | |", "|---|---|---|---|---|---|"]
    for r in table.itertuples():
        lines.append(f"| {r.outcome} | {r.code} | {r.value} | {r.agreement:.0%} | {'yes' if r.fitted else 'no'} | "
                     f"{r.label} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def calibration_cut(path: str | Path) -> int | None:
    """The cut year of the calibration a posterior file comes from (its folder's settings.json), if known."""
    import json

    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    settings = folder / "settings.json"
    if not settings.exists():
        return None
    return json.loads(settings.read_text(encoding="utf-8")).get("cut_year")


def write_uncertainty(where: Path, ens: Ensemble, overrides: Sequence[dict], source: str) -> pd.DataFrame:
    """Add ``posterior_draws.csv``, ``robustness.csv`` and the report section to a written report folder."""
    cut = calibration_cut(source)
    table = robustness(ens, cut)
    frame = pd.DataFrame(overrides)
    frame.insert(0, "seed", ens.seeds)
    frame.to_csv(where / "posterior_draws.csv", index=False)
    table.to_csv(where / "robustness.csv", index=False)
    with (where / "report.md").open("a", encoding="utf-8") as report:
        report.write(uncertainty_markdown(table, overrides, source, cut))
    return table


def effect_robustness(comparison) -> pd.DataFrame:
    """Per state whose fate the variant changes in some draw: the share of draws in which it differs, and whether
    that effect is robust to the parameters (it differs in at least 90% of draws, or in at most 10%)."""
    fates = comparison.fates[comparison.fates.share_of_seeds_differing > 0]
    rows = []
    for r in fates.itertuples():
        share = float(r.share_of_seeds_differing)
        agreement = max(share, 1 - share)
        rows.append({"code": r.code, "share_of_draws_differing": share, "agreement": agreement,
                     "label": _label(agreement)})  # fmt: skip
    return pd.DataFrame(rows, columns=["code", "share_of_draws_differing", "agreement", "label"])


def write_effect_uncertainty(where: Path, comparison, overrides: Sequence[dict], source: str) -> pd.DataFrame:
    """Add ``posterior_draws.csv``, ``effect_robustness.csv`` and the report section to a what-if folder."""
    table = effect_robustness(comparison)
    pd.DataFrame(overrides).to_csv(where / "posterior_draws.csv", index=False)
    table.to_csv(where / "effect_robustness.csv", index=False)
    names = ", ".join(f"`{n}`" for n in (overrides[0] if overrides else {}))
    lines = [
        "",
        "## Parameter uncertainty (posterior draws)",
        "",
        f"Draw i of `{source}` ran with seed i in both worlds ({names}), so the tables above pair baseline and "
        f"variant draw by draw and include parameter uncertainty. A state's changed fate is a *robust* effect when "
        f"the worlds differ in at least {ROBUST:.0%} of the draws (or a robust non-effect at most {1 - ROBUST:.0%}); "
        "*open* effects depend on parameters the record does not pin down.",
        "",
        "| state | draws differing | effect |",
        "|---|---|---|",
    ]
    lines += [f"| {r.code} | {r.share_of_draws_differing:.0%} | {r.label} |" for r in table.itertuples()]
    with (where / "report.md").open("a", encoding="utf-8") as report:
        report.write("\n".join(lines) + "\n")
    return table
