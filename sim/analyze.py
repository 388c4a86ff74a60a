"""Sensitivity analysis of a finished sweep (``sim analyze SWEEP_DIR``).

For each scalar outcome, the outcome is averaged over the replicates of each design point (in design order), then:

- a ``sobol`` design gets Sobol indices (SALib ``analyze.sobol``: first order S1 and total ST, with their
  confidence intervals; S2 when the design has second-order samples);
- a ``morris`` design gets Morris elementary effects (SALib ``analyze.morris``: mu*, its confidence interval, sigma);
- ``lhs`` and ``grid`` designs, which no variance decomposition fits, get the two moment-independent measures of
  SALib that work on any sample: Borgonovo's delta (``analyze.delta``: how far the outcome's distribution shifts
  when the parameter is known, with its confidence interval, and the first-order index S1 estimated from the same
  sample) and PAWN (``analyze.pawn``: the median Kolmogorov-Smirnov distance between the outcome's conditional and
  unconditional distributions over ``PAWN_SLIDES`` slices of the parameter's range; Pianosi and Wagener 2015).

A Sobol sample smaller than :data:`SOBOL_MIN_SAMPLES` base samples gives indices too uncertain to rank the
parameters: the analysis warns (and the report says so) with the widest confidence interval it found.

An outcome that is missing in some runs (``exit_year`` of a state that never left the communist status) is
censored at the year after the run's end, and the table says so. Writes ``analysis/indices.csv``, one bar chart
per outcome (``analysis/<outcome>.png``) and ``analysis/report.md`` in the sweep folder.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.sweep import Sweep, SweepError, _problem, load_results, load_spec, spec_from_dict

log = logging.getLogger(__name__)

SOBOL_MIN_SAMPLES = 512
"""Below this many base samples (N of Saltelli's scheme) Sobol indices are too uncertain to rank parameters: their
95% confidence intervals are typically wider than the differences between them (Saltelli et al. 2010)."""
DELTA_RESAMPLES = 30
"""Bootstrap resamples of the delta estimate and its confidence interval (SALib's default of 100 takes minutes on a
few hundred points: it bootstraps three variants of the estimator)."""
PAWN_SLIDES = 10
"""Slices of each parameter's range in PAWN (SALib's default)."""


def load_sweep(folder: str | Path) -> Sweep:
    """The sweep a folder holds (from its copy of the spec)."""
    folder = Path(folder)
    spec = folder / "spec.toml"
    if not (folder / "design.parquet").exists():
        raise SweepError(f"{folder}: not a sweep folder (no design.parquet)")
    if spec.exists():
        return load_spec(spec)
    meta = json.loads((folder / "sweep.json").read_text())
    raise SweepError(f"{folder}: the spec copy is missing (sweep {meta.get('name')}); cannot analyse")


def point_means(sweep: Sweep, folder: Path) -> tuple[np.ndarray, pd.DataFrame, list[str], pd.DataFrame]:
    """Design points (in design order), the mean of each outcome per point, the censored outcomes, and the
    number of replicates recorded per point."""
    try:
        design = pd.read_parquet(folder / "design.parquet")
    except (OSError, ValueError) as exc:  # pyarrow's errors are ValueErrors or OSErrors
        raise SweepError(f"{folder / 'design.parquet'}: unreadable ({exc}); rerun the sweep command") from None
    results = load_results(folder)
    if results.empty:
        raise SweepError(f"{folder}: no finished runs to analyse")
    points = design.drop_duplicates("point").sort_values("point")
    x_points = points[sweep.names].to_numpy(dtype=float)
    until = sweep.spec.sweep.until or sweep.scenario.spec.scenario.end_year
    censored = []
    values = results.copy()
    for name in sweep.scalars:
        if name.startswith("exit_year") and values[name].isna().any():
            censored.append(name)
            values[name] = values[name].fillna(until + 1)
    means = values.groupby("point")[list(sweep.scalars)].mean().reindex(points.point)
    counts = values.groupby("point").size().reindex(points.point).fillna(0).astype(int).rename("replicates")
    return x_points, means.reset_index(drop=True), censored, counts.reset_index(drop=True)


def sobol_warning(sweep: Sweep, table: pd.DataFrame) -> str | None:
    """The warning for a Sobol sample too small to rank parameters, or None."""
    samples = sweep.spec.sweep.samples
    if sweep.spec.sweep.design != "sobol" or samples >= SOBOL_MIN_SAMPLES:
        return None
    widest = float(table["ST_conf"].max()) if "ST_conf" in table and table["ST_conf"].notna().any() else math.nan
    return (
        f"sweep {sweep.name}: a Sobol sample of {samples} base samples is too small to rank the parameters "
        f"(widest 95% interval of a total index: +/- {widest:.2f}); use samples >= {SOBOL_MIN_SAMPLES}"
    )


def indices(sweep: Sweep, folder: Path) -> tuple[pd.DataFrame, list[str], str]:
    """The sensitivity table (one row per outcome and parameter), the censored outcomes, and the method."""
    x_points, means, censored, counts = point_means(sweep, folder)
    if (counts == 0).any():
        missing = int((counts == 0).sum())
        raise SweepError(f"{folder}: {missing} design points have no finished run: finish the sweep first")
    design = sweep.spec.sweep.design
    problem = _problem(sweep)
    seed = sweep.spec.sweep.seed
    rows = []
    for outcome in sweep.scalars:
        y_mean = means[outcome].to_numpy(dtype=float)
        if not np.isfinite(y_mean).all():
            raise SweepError(f"{folder}: outcome {outcome!r} has missing values: cannot analyse it")
        if np.ptp(y_mean) == 0:
            for name in sweep.names:
                rows.append({"outcome": outcome, "parameter": name, "constant_outcome": True})
            continue
        if design == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(problem, y_mean, calc_second_order=sweep.spec.sweep.second_order, seed=seed)
            for j, name in enumerate(sweep.names):
                rows.append({"outcome": outcome, "parameter": name, "S1": res["S1"][j], "S1_conf": res["S1_conf"][j],
                             "ST": res["ST"][j], "ST_conf": res["ST_conf"][j]})  # fmt: skip
        elif design == "morris":
            from SALib.analyze import morris

            res = morris.analyze(problem, x_points, y_mean, num_levels=sweep.spec.sweep.morris_levels, seed=seed)
            for j, name in enumerate(sweep.names):
                rows.append({"outcome": outcome, "parameter": name, "mu_star": res["mu_star"][j],
                             "mu_star_conf": res["mu_star_conf"][j], "sigma": res["sigma"][j]})  # fmt: skip
        else:
            from SALib.analyze import delta, pawn

            moments = delta.analyze(problem, x_points, y_mean, num_resamples=DELTA_RESAMPLES, seed=seed)  # raw: as is
            slides = pawn.analyze(problem, x_points, y_mean, S=min(PAWN_SLIDES, len(y_mean) // 2), seed=seed)
            for j, name in enumerate(sweep.names):
                rows.append({"outcome": outcome, "parameter": name, "delta": moments["delta_raw"][j],
                             "delta_conf": moments["delta_raw_conf"][j], "S1": moments["S1"][j],
                             "S1_conf": moments["S1_conf"][j], "pawn_median": slides["median"][j],
                             "pawn_max": slides["maximum"][j]})  # fmt: skip
    method = {"sobol": "Sobol indices", "morris": "Morris elementary effects"}.get(design, "Borgonovo delta")
    table = pd.DataFrame(rows)
    if "constant_outcome" in table:
        table["constant_outcome"] = table["constant_outcome"].fillna(False).astype(bool)
    return table, censored, method


def _cell(value) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.3f}"
    return str(value)


def analyze(folder: str | Path) -> Path:
    """Write ``analysis/`` (indices.csv, figures, report.md) for a finished sweep and return its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.output import atomic_dir, package_versions, write_json

    folder = Path(folder)
    sweep = load_sweep(folder)
    table, censored, method = indices(sweep, folder)
    target = folder / "analysis"
    main, conf = {"Sobol indices": ("ST", "ST_conf"), "Morris elementary effects": ("mu_star", "mu_star_conf")}.get(
        method, ("delta", "delta_conf")
    )
    warning = sobol_warning(sweep, table)
    if warning:
        log.warning(warning)
    with atomic_dir(target) as tmp:
        meta = {"sweep": sweep.name, "spec_sha256": sweep.sha256, "versions": package_versions()}
        write_json(meta, tmp / "metadata.json")  # marks the folder as this program's: a rerun may replace it
        table.to_csv(tmp / "indices.csv", index=False)
        figures = []
        for outcome, g in table.groupby("outcome", sort=False):
            if main not in g or g[main].isna().all():
                continue
            fig, ax = plt.subplots(figsize=(7, 0.45 * len(g) + 1.4))
            if method == "Sobol indices":
                y = np.arange(len(g))
                ax.barh(y - 0.2, g["S1"], 0.4, xerr=g["S1_conf"], label="first order S1", color="#f29d38")
                ax.barh(y + 0.2, g["ST"], 0.4, xerr=g["ST_conf"], label="total ST", color="#b3261e")
                ax.set_yticks(y, g["parameter"])
                ax.legend(frameon=False)
            else:
                ax.barh(g["parameter"], g[main], xerr=g[conf], color="#b3261e")
            ax.invert_yaxis()
            ax.axvline(0, color="black", lw=0.8)
            ax.set_xlabel(f"{method} (95% confidence interval)")
            ax.set_title(outcome + (" (censored at the end year + 1)" if outcome in censored else ""))
            fig.tight_layout()
            name = outcome.replace(":", "_").replace("*", "all") + ".png"
            fig.savefig(tmp / name, dpi=100, metadata={"Software": None})
            plt.close(fig)
            figures.append(name)
        lines = [f"# Sensitivity: sweep {sweep.name}", "", f"{method} for {len(sweep.scalars)} outcomes and "
                 f"{len(sweep.names)} parameters ({sweep.spec.sweep.design} design, {sweep.spec.sweep.replicates} "
                 "replicates per point averaged).", ""]  # fmt: skip
        if warning:
            lines += [f"**Warning**: {warning}.", ""]
        if censored:
            lines += [f"Censored at the year after the run's end where a state never left: {', '.join(censored)}.", ""]
        shown = [c for c in table.columns if c not in ("constant_outcome",)]
        lines += ["| " + " | ".join(shown) + " |", "|" + "---|" * len(shown)]
        for r in table[shown].itertuples(index=False):
            cells = [_cell(v) for v in r]
            lines.append("| " + " | ".join(cells) + " |")
        lines += ["", *[f"![{f}]({f})" for f in figures]]
        (tmp / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


__all__ = ["analyze", "indices", "load_sweep", "point_means", "spec_from_dict"]
