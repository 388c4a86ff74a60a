"""Matplotlib figures of a run or an ensemble, for notebooks and scripts (``result.plot_status()``,
``ensemble.plot_features("POL")``).

Both read the stacked ``states`` table (one row per seed, year and state), so one seed gives lines and many seeds
give the median with a band between the 10th and 90th percentiles across seeds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from sim.features import FEATURE_LABELS, FEATURES, INDICATOR_OF, Status, Thresholds
from sim.palette import STATUS_COLOURS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BAND = (0.1, 0.9)
"""The quantiles across seeds that bound the bands."""
STATUSES = tuple(s.value for s in Status)


def _bands(frame: pd.DataFrame, value: str) -> pd.DataFrame:
    """Median and band of ``value`` per year across seeds (columns ``median``, ``low``, ``high``)."""
    by_year = frame.groupby("year")[value]
    return pd.DataFrame(
        {"median": by_year.median(), "low": by_year.quantile(BAND[0]), "high": by_year.quantile(BAND[1])}
    )


def status_counts(states: pd.DataFrame) -> pd.DataFrame:
    """Number of states in each status, per seed and year (columns: seed, year and one per status)."""
    counts = states.groupby(["seed", "year", "status"]).size().unstack("status", fill_value=0)
    return counts.reindex(columns=list(STATUSES), fill_value=0).reset_index()


def plot_status(states: pd.DataFrame, ax: Axes | None = None, title: str = "") -> Axes:
    """The number of communist, hybrid and non-communist states by year (median and band across seeds)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.6))
    counts = status_counts(states)
    seeds = counts.seed.nunique()
    for status in STATUSES:
        band = _bands(counts, status)
        label = status.replace("_", "-")
        ax.plot(band.index, band["median"], color=STATUS_COLOURS[status], lw=2, label=label)
        if seeds > 1:
            ax.fill_between(band.index, band["low"], band["high"], color=STATUS_COLOURS[status], alpha=0.25, lw=0)
    ax.set_xlabel("year")
    ax.set_ylabel("states")
    spread = f" (median of {seeds} seeds, {BAND[0]:.0%}-{BAND[1]:.0%} band)" if seeds > 1 else ""
    ax.set_title((title or "States by status") + spread)
    ax.legend(frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.figure.tight_layout()
    return ax


def plot_features(states: pd.DataFrame, code: str, thresholds: Thresholds | None = None, title: str = "") -> Figure:
    """The six indicators of state ``code`` by year, each against the threshold of its feature (F6: the share of
    seeds in which the state is recognised by the movement); the background shows the modal status.

    Raises:
        KeyError: ``code`` is not a state of the table (the message lists the codes).
    """
    import matplotlib.pyplot as plt

    rows = states[states.code == code]
    if rows.empty:
        raise KeyError(f"{code!r} is not a state of this run (states: {', '.join(sorted(states.code.unique()))})")
    thresholds = thresholds or Thresholds()
    seeds = rows.seed.nunique()
    fig, axes = plt.subplots(2, 3, figsize=(10, 5.2), sharex=True, sharey=True)
    modal = rows.groupby("year").status.agg(lambda s: s.value_counts().index[0])
    for feature, ax in zip(FEATURES, axes.flat, strict=True):
        indicator = INDICATOR_OF[feature]
        values = rows.assign(value=rows[indicator].astype(float))
        band = _bands(values, "value")
        for year, status in modal.items():
            ax.axvspan(year - 0.5, year + 0.5, color=STATUS_COLOURS[status], alpha=0.18, lw=0)
        ax.plot(band.index, band["median"], color="black", lw=1.6)
        if seeds > 1:
            ax.fill_between(band.index, band["low"], band["high"], color="black", alpha=0.2, lw=0)
        limit = getattr(thresholds, indicator, None)
        if limit is not None:
            ax.axhline(limit, color="#b3261e", ls="--", lw=1)
        ax.set_title(f"{feature.upper()} {FEATURE_LABELS[feature]}\n({indicator})", fontsize=9)
        ax.set_ylim(-0.02, 1.02)
    for ax in axes[-1]:
        ax.set_xlabel("year")
    spread = f"median of {seeds} seeds, {BAND[0]:.0%}-{BAND[1]:.0%} band; " if seeds > 1 else ""
    fig.suptitle(f"{title or code}: the six features ({spread}dashed: threshold; shading: status)", fontsize=10)
    fig.tight_layout()
    return fig


def thresholds_of(scenario, overrides: dict | None = None) -> Thresholds:
    """The feature thresholds a scenario (with ``overrides``) classifies by."""
    spec = scenario.with_overrides(overrides).spec if overrides else scenario.spec
    return Thresholds.from_params(spec.parameter_values())


__all__ = ["plot_features", "plot_status", "status_counts", "thresholds_of"]
