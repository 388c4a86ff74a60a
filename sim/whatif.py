"""What-if comparisons: a baseline and a variant run with the same seeds (common random numbers).

``sim whatif BASELINE VARIANT --replicates N`` writes ``results/whatif/<variant>-vs-<baseline>-s<seed>-n<N>/``:

- ``series.csv``: median and 10-90% band of the key yearly series (states in each status, total members,
  hegemony, mean public dissent in Communist-ruled states) for both worlds;
- ``shifts.csv``: for each state and kind of status change, its year in each world seed by seed, and the shift;
- ``fates.csv``: for each state, the share of seeds in which its status differs at the key years, and whether its
  fate differs in most seeds;
- ``shift_summary.csv``: per state and kind of change, seeds with it in each world, median years, median shift;
- ``events.csv``: how often each kind of event happens in each world;
- ``chain.csv``: the causal chain (:mod:`sim.chain`, columns :data:`sim.chain.CHAIN_COLUMNS`): the changed cause,
  the first divergence of the two worlds, the diverging events and series that link it to the outcome, and the
  states whose fate differs; ``divergences.csv``: every event that exists in one world and not the other, seed by
  seed, and ``first_divergence.csv``: the first year the worlds part in each seed and what differed;
- figures (PNG), ``report.md`` (the chain in words first) and ``metadata.json`` (files, hashes, seeds, versions,
  git commit);
- ``baseline/`` and ``variant/``: both worlds' tables (Parquet), unless ``--no-tables``.
Because every random process has its own named stream, a seed's two runs draw the same numbers wherever the
worlds do not differ, so differences are the variant's effect, not noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.chain import Chain, causal_chain, chain_markdown, chain_sentences
from sim.ensemble import Ensemble
from sim.observe import WHATIF_SERIES
from sim.output import atomic_dir, first_changes, save_figure, write_json, write_parquet
from sim.runner import TABLES

SERIES = WHATIF_SERIES
"""The model series compared (marked ``whatif`` in :mod:`sim.observe`), with mean public dissent in ruled states."""
KEY_YEARS = (1925, 1950, 1970, 1985, 1989, 1992, 2000, 2025)


@dataclass
class Comparison:
    """The tables of a what-if comparison."""

    series: pd.DataFrame
    shifts: pd.DataFrame
    shift_summary: pd.DataFrame
    fates: pd.DataFrame
    events: pd.DataFrame
    chain: Chain | None = None


def _yearly(ens: Ensemble) -> pd.DataFrame:
    model = ens.table("model")
    states = ens.table("states")
    ruled = states[states.in_office]
    dissent = ruled.groupby(["seed", "year"]).public_dissent.mean().rename("public_dissent").reset_index()
    return model.merge(dissent, on=["seed", "year"], how="left").fillna({"public_dissent": 0.0})


def compare_series(base: Ensemble, variant: Ensemble) -> pd.DataFrame:
    """Median and 10th/90th percentiles of each key series, per year, in each world."""
    rows = []
    for world, ens in (("baseline", base), ("variant", variant)):
        yearly = _yearly(ens)
        for series in (*SERIES, "public_dissent"):
            g = yearly.groupby("year")[series]
            frame = pd.DataFrame({"median": g.median(), "p10": g.quantile(0.1), "p90": g.quantile(0.9)})
            frame["world"], frame["series"] = world, series
            rows.append(frame.reset_index())
    return pd.concat(rows, ignore_index=True)[["world", "series", "year", "median", "p10", "p90"]]


def compare_shifts(base: Ensemble, variant: Ensemble) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seed by seed, the year of each kind of status change in both worlds, and a summary per state and kind."""
    keys = ["seed", "code", "from_status", "to_status"]
    b = first_changes(base.table("states")).rename(columns={"year": "baseline_year"})
    v = first_changes(variant.table("states")).rename(columns={"year": "variant_year"})
    both = b.merge(v, on=keys, how="outer")
    both["shift"] = both.variant_year - both.baseline_year
    n = len(base.seeds)
    rows = []
    for (code, old, new), g in both.groupby(["code", "from_status", "to_status"]):
        in_both = g.dropna(subset=["baseline_year", "variant_year"])
        rows.append({
            "code": code, "change": f"{old} -> {new}",
            "baseline_seeds": int(g.baseline_year.notna().sum()),
            "variant_seeds": int(g.variant_year.notna().sum()),
            "median_baseline_year": float(g.baseline_year.median()),
            "median_variant_year": float(g.variant_year.median()),
            "median_shift": float(in_both["shift"].median()) if len(in_both) else float("nan"),
            "share_changed": float(((g["shift"] != 0) | g["shift"].isna()).sum() / n),
        })  # fmt: skip
    summary = pd.DataFrame(rows)
    if not summary.empty:
        summary = summary.sort_values(["share_changed", "code"], ascending=[False, True]).reset_index(drop=True)
    return both.sort_values(keys).reset_index(drop=True), summary


def compare_fates(base: Ensemble, variant: Ensemble, years: tuple[int, ...] = KEY_YEARS) -> pd.DataFrame:
    """For each state: the share of seeds in which its status differs at each key year, and overall."""
    b = base.table("states").set_index(["seed", "code", "year"]).status
    v = variant.table("states").set_index(["seed", "code", "year"]).status
    years = tuple(y for y in years if y in set(b.index.get_level_values("year")))
    rows = []
    for code in dict.fromkeys(b.index.get_level_values("code")):
        row = {"code": code}
        differs_any = []
        for seed in base.seeds:
            diffs = [b.get((seed, code, y)) != v.get((seed, code, y)) for y in years]
            differs_any.append(any(diffs))
        for y in years:
            row[str(y)] = float(np.mean([b.get((s, code, y)) != v.get((s, code, y)) for s in base.seeds]))
        row["share_of_seeds_differing"] = float(np.mean(differs_any))
        row["fate_differs_in_most_seeds"] = row["share_of_seeds_differing"] > 0.5
        rows.append(row)
    return pd.DataFrame(rows).sort_values("share_of_seeds_differing", ascending=False).reset_index(drop=True)


def compare_events(base: Ensemble, variant: Ensemble) -> pd.DataFrame:
    """Mean number of events of each kind per seed, in each world."""
    n = len(base.seeds)
    b = base.table("events").kind.value_counts() / n
    v = variant.table("events").kind.value_counts() / n
    out = pd.DataFrame({"baseline": b, "variant": v}).fillna(0.0)
    out["difference"] = out.variant - out.baseline
    return out.sort_values("difference", key=abs, ascending=False).rename_axis("kind").reset_index()


def compare(base: Ensemble, variant: Ensemble) -> Comparison:
    """All comparison tables."""
    if base.seeds != variant.seeds:
        raise ValueError("a what-if comparison needs the same seeds in both worlds")
    shifts, summary = compare_shifts(base, variant)
    fates = compare_fates(base, variant)
    chain = causal_chain(base, variant, summary, fates)
    return Comparison(compare_series(base, variant), shifts, summary, fates, compare_events(base, variant), chain)


def write_figures(comparison: Comparison, title: str, out: Path) -> list[str]:
    """Series bands, status-change shifts and the states whose fate differs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    fig, axes = plt.subplots(2, 2, figsize=(12, 7), sharex=True)
    for ax, series in zip(axes.ravel(), ("communist", "hybrid", "members", "public_dissent"), strict=True):
        for world, colour in (("baseline", "#7f8c8d"), ("variant", "#b3261e")):
            s = comparison.series.query("world == @world and series == @series")
            scale = 1e6 if series == "members" else 1.0
            ax.plot(s.year, s["median"] / scale, color=colour, lw=2, label=world)
            ax.fill_between(s.year, s.p10 / scale, s.p90 / scale, color=colour, alpha=0.2)
        label = {"members": "Communist party members (millions)", "public_dissent": "mean public dissent (ruling)"}
        ax.set_title(label.get(series, f"states {series.replace('_', '-')}"))
        ax.grid(alpha=0.3)
    axes[0, 0].legend(frameon=False)
    fig.suptitle(f"{title}: median and 10-90% band over seeds")
    save_figure(fig, out / "series.png", files)

    fates = comparison.fates[comparison.fates.share_of_seeds_differing > 0]
    if not fates.empty:
        fig, ax = plt.subplots(figsize=(10, 0.3 * len(fates) + 1.5))
        colours = ["#b3261e" if most else "#f29d38" for most in fates.fate_differs_in_most_seeds]
        ax.barh(fates.code, fates.share_of_seeds_differing, color=colours)
        ax.axvline(0.5, color="black", lw=1, ls="--")
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of seeds in which the state's status differs in a key year")
        ax.set_title(f"{title}: whose fate changes")
        save_figure(fig, out / "fates.png", files)

    exits = comparison.shifts[comparison.shifts.from_status == "communist"].dropna(subset=["shift"])
    exits = exits[exits.groupby("code")["shift"].transform(lambda s: (s != 0).any())]
    if not exits.empty:
        order = exits.groupby("code")["shift"].median().sort_values().index.tolist()
        fig, ax = plt.subplots(figsize=(10, 0.35 * len(order) + 1.5))
        ax.boxplot([exits[exits.code == c]["shift"].values for c in order], orientation="horizontal", whis=(10, 90))
        ax.set_yticks(range(1, len(order) + 1), order)
        ax.axvline(0, color="black", lw=1)
        ax.set_xlabel("shift of the year the state left the communist status (variant - baseline, years)")
        ax.set_title(f"{title}: shifted exits (seeds where both worlds have one)")
        save_figure(fig, out / "shifts.png", files)
    return files


def report_markdown(comparison: Comparison, title: str, description: str, n: int, figures: list[str]) -> str:
    """The comparison in words and tables."""
    fates = comparison.fates
    most = fates[fates.fate_differs_in_most_seeds]
    lines = [f"# What if: {title}", ""]
    if comparison.chain is not None:
        lines += [*chain_markdown(comparison.chain), ""]
    lines += ["## Whose fate changes", "", description, ""]
    lines += [f"Baseline and variant, {n} seeds each, common random numbers.", ""]
    if most.empty:
        lines.append("No state's fate differs in most seeds.")
    else:
        lines.append("States whose fate differs in most seeds: " + ", ".join(
            f"{r.code} ({r.share_of_seeds_differing:.0%})" for r in most.itertuples()) + ".")  # fmt: skip
    final = comparison.series.set_index(["world", "series", "year"])
    lines += ["", "| year | communist (baseline) | communist (variant) | hybrid (baseline) | hybrid (variant) |",
              "|---|---|---|---|---|"]  # fmt: skip
    for year in KEY_YEARS:
        cells = []
        for key in [(w, s, year) for s in ("communist", "hybrid") for w in ("baseline", "variant")]:
            if key in final.index:
                row = final.loc[key]
                cells.append(f"{row['median']:.0f} [{row.p10:.0f}-{row.p90:.0f}]")
            else:
                cells.append("")
        if any(cells):
            lines.append(f"| {year} | " + " | ".join(cells) + " |")
    shifted = comparison.shift_summary[comparison.shift_summary.share_changed > 0].head(20)
    if not shifted.empty:
        lines += ["", "## Status changes that move", "",
                  "| state | change | seeds (baseline / variant) | median year (baseline / variant) | median shift | "
                  "seeds differing |", "|---|---|---|---|---|---|"]  # fmt: skip
        for r in shifted.itertuples():
            shift = "" if math.isnan(r.median_shift) else f"{r.median_shift:+.0f}"
            by = "" if math.isnan(r.median_baseline_year) else f"{r.median_baseline_year:.0f}"
            vy = "" if math.isnan(r.median_variant_year) else f"{r.median_variant_year:.0f}"
            lines.append(
                f"| {r.code} | {r.change} | {r.baseline_seeds} / {r.variant_seeds} | {by} / {vy} | {shift} | "
                f"{r.share_changed:.0%} |"
            )
    events = comparison.events[comparison.events.difference.abs() >= 0.05].head(12)
    if not events.empty:
        lines += ["", "## Events per seed", "", "| kind | baseline | variant |", "|---|---|---|"]
        lines += [f"| {r.kind} | {r.baseline:.2f} | {r.variant:.2f} |" for r in events.itertuples()]
    lines += ["", "## Figures", ""] + [f"![{f}]({f})" for f in figures]
    return "\n".join(lines) + "\n"


def write_comparison(
    base: Ensemble,
    variant: Ensemble,
    title: str,
    description: str,
    out: Path,
    meta: dict[str, object],
    tables: bool = True,
) -> tuple[Path, Comparison]:
    """Compute and write the comparison (and, with ``tables``, both worlds' Parquet tables) to ``out`` atomically."""
    comparison = compare(base, variant)
    with atomic_dir(out) as tmp:
        comparison.series.to_csv(tmp / "series.csv", index=False)
        comparison.shifts.to_csv(tmp / "shifts.csv", index=False)
        comparison.shift_summary.to_csv(tmp / "shift_summary.csv", index=False)
        comparison.fates.to_csv(tmp / "fates.csv", index=False)
        comparison.events.to_csv(tmp / "events.csv", index=False)
        if comparison.chain is not None:
            comparison.chain.table.to_csv(tmp / "chain.csv", index=False)
            comparison.chain.divergences.to_csv(tmp / "divergences.csv", index=False)
            comparison.chain.first.to_csv(tmp / "first_divergence.csv", index=False)
        if tables:
            for world, ens in (("baseline", base), ("variant", variant)):
                (tmp / world).mkdir()
                for name in TABLES:
                    write_parquet(ens.table(name), tmp / world / f"{name}.parquet")
        figures = write_figures(comparison, title, tmp)
        text = report_markdown(comparison, title, description, len(base.seeds), figures)
        (tmp / "report.md").write_text(text, encoding="utf-8")
        write_json(meta, tmp / "metadata.json")
    return out, comparison


def terminal_summary(comparison: Comparison, title: str, n: int, where: Path) -> str:
    """What ``sim whatif`` prints: the states whose fate differs, the biggest shifts and the headline series."""
    lines = [f"What if: {title} ({n} seeds each, common random numbers)", ""]
    if comparison.chain is not None:
        lines += [*chain_sentences(comparison.chain), ""]
    most = comparison.fates[comparison.fates.fate_differs_in_most_seeds]
    lines.append(
        "Fate differs in most seeds: "
        + (", ".join(f"{r.code} ({r.share_of_seeds_differing:.0%})" for r in most.itertuples()) or "no state")
    )
    series = comparison.series.set_index(["world", "series", "year"])["median"]
    lines.append("")
    lines.append("  year   communist (baseline -> variant)   hybrid (baseline -> variant)")
    for year in KEY_YEARS:
        keys = [(w, s, year) for s in ("communist", "hybrid") for w in ("baseline", "variant")]
        if all(k in series.index for k in keys):
            c0, c1, h0, h1 = (series[k] for k in keys)
            lines.append(f"  {year}   {c0:>9.0f} -> {c1:<22.0f} {h0:>6.0f} -> {h1:.0f}")
    moved = comparison.shift_summary[comparison.shift_summary.share_changed > 0].head(8)
    if not moved.empty:
        lines += ["", "Status changes that move most (share of seeds):"]
        for r in moved.itertuples():
            shift = "" if math.isnan(r.median_shift) else f", median shift {r.median_shift:+.0f} y"
            lines.append(
                f"  {r.code} {r.change}: {r.share_changed:.0%} of seeds; in {r.baseline_seeds} -> "
                f"{r.variant_seeds} seeds{shift}"
            )
    lines += ["", f"Report: {where / 'report.md'}"]
    return "\n".join(lines)
