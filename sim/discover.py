"""Scenario discovery after a sweep (``sim discover SWEEP_DIR --outcome NAME --below X``).

Which regions of the swept parameters produce an outcome of interest? Each run of the sweep is a case: its
parameter values are the inputs, and the condition on one scalar outcome (``communist:1990 < 3``: fewer than three
states still communist in 1990) marks it as a case of interest or not. Three methods of the EMA Workbench
(Kwakkel 2017, :mod:`ema_workbench.analysis`) answer, each on the same cases:

- **PRIM** (Friedman and Fisher 1999; Bryant and Lempert 2010): boxes, each a set of parameter ranges, found one
  after the other; the cases of interest inside the boxes already found count as not of interest for the next
  (Guivarch et al. 2016), so each box finds another region. On each box's peeling
  trajectory the box kept is the one of highest *coverage* (share of all cases of interest inside it) among those
  whose *density* (share of the cases inside it that are of interest) reaches ``density``, the densest of them on
  a tie; a restriction whose quasi-p value exceeds :data:`QUASI_P` is dropped from it (not significant). The
  search stops at ``max_boxes``, or when no box reaches that density.
- **CART** (Breiman et al. 1984): the leaves of a classification tree as boxes, with their coverage and density.
- **Feature scoring**: extra-trees importance of each parameter for the condition (Geurts et al. 2006).

The outcome's missing values are treated as in :mod:`sim.analyze`: an ``exit_year`` of a state that never left is
censored at the year after the run's end. Writes ``discovery/<outcome>/`` in the sweep folder: ``prim_boxes.csv``,
``prim_stats.csv``, ``cart_boxes.csv``, ``cart_stats.csv``, ``feature_scores.csv``, figures and ``report.md``.
Needs the ``discover`` extra (``pip install 'communist-systems-sim[discover]'``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import ScenarioError

DENSITY = 0.8
"""The density a PRIM box must reach to be kept (the usual choice in scenario discovery)."""
MAX_BOXES = 3
MASS_MIN = 0.05
"""The smallest share of all cases a box (PRIM) or a leaf (CART) may hold."""
PEEL_ALPHA = 0.05
"""The share of the cases PRIM peels off at each step."""
QUASI_P = 0.05
"""A PRIM box keeps a restriction only if it is significant: its quasi-p value (the workbench's one-sided binomial
test of the density with and without it, Bryant and Lempert 2010) is at most this."""


def _workbench():
    """The EMA Workbench's analysis modules, or a clear error when the ``discover`` extra is not installed."""
    try:
        with warnings.catch_warnings():  # it warns at import about optional parallel back-ends
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import cart, feature_scoring, prim
    except ImportError as exc:
        raise ScenarioError(
            f"sim discover needs the EMA Workbench ({exc}): install the extra, "
            "`pip install 'communist-systems-sim[discover]'` (or `uv sync --extra discover`)"
        ) from None
    return prim, cart, feature_scoring


@dataclass
class Discovery:
    """What the three methods found for one condition.

    Attributes:
        condition: the condition that marks a case of interest (``"communist:1990 < 3"``).
        density: the density a PRIM box had to reach to be kept.
        cases: number of cases (runs).
        of_interest: number of cases of interest.
        prim_boxes: one row per kept PRIM box and restricted parameter: ``box``, ``parameter``, ``min``, ``max``.
        prim_stats: one row per kept PRIM box: ``box``, ``coverage``, ``density``, ``mass``, ``res_dim``.
        trajectories: the peeling trajectory of each kept PRIM box (coverage, density, mass, res_dim per step).
        cart_boxes: one row per CART leaf and restricted parameter, as ``prim_boxes``.
        cart_stats: one row per CART leaf: ``box``, ``coverage``, ``density``, ``mass``, ``res_dim``.
        feature_scores: extra-trees importance of each parameter, highest first (they sum to 1).
    """

    condition: str
    density: float
    cases: int
    of_interest: int
    prim_boxes: pd.DataFrame
    prim_stats: pd.DataFrame
    trajectories: list[pd.DataFrame]
    cart_boxes: pd.DataFrame
    cart_stats: pd.DataFrame
    feature_scores: pd.Series


def _restrictions(limits: pd.DataFrame, full: pd.DataFrame, box: int) -> list[dict[str, object]]:
    """The parameters a box restricts (its limits differ from the whole sample's), as rows."""
    rows = []
    for name in limits.columns:
        lo, hi = float(limits[name].iloc[0]), float(limits[name].iloc[1])
        if not (math.isclose(lo, float(full[name].iloc[0])) and math.isclose(hi, float(full[name].iloc[1]))):
            rows.append({"box": box, "parameter": name, "min": lo, "max": hi})
    return rows


def _box_stats(x: pd.DataFrame, y: np.ndarray, limits: pd.DataFrame, box: int, restricted: int) -> dict[str, object]:
    inside = np.ones(len(x), dtype=bool)
    for name in limits.columns:
        inside &= (x[name].to_numpy() >= limits[name].iloc[0]) & (x[name].to_numpy() <= limits[name].iloc[1])
    n_in = int(inside.sum())
    return {
        "box": box,
        "coverage": float(y[inside].sum() / y.sum()) if y.sum() else math.nan,
        "density": float(y[inside].mean()) if n_in else math.nan,
        "mass": n_in / len(x),
        "res_dim": restricted,
    }


def discover_cases(
    x: pd.DataFrame,
    y: np.ndarray,
    condition: str = "",
    density: float = DENSITY,
    max_boxes: int = MAX_BOXES,
    mass_min: float = MASS_MIN,
    peel_alpha: float = PEEL_ALPHA,
    seed: int = 0,
) -> Discovery:
    """PRIM boxes, CART leaves and feature scores of the cases ``x`` (one row per run, one column per parameter)
    for the cases of interest ``y`` (booleans).

    Raises:
        ScenarioError: no case, or no case (or every case) is of interest: there is nothing to discover.
    """
    with warnings.catch_warnings():  # the workbench's own deprecation warnings (pandas 3) are not the user's
        warnings.filterwarnings("ignore", module=r"ema_workbench(\..*)?$")
        return _discover_cases(x, y, condition, density, max_boxes, mass_min, peel_alpha, seed)


def _discover_cases(x, y, condition, density, max_boxes, mass_min, peel_alpha, seed) -> Discovery:
    prim, cart, feature_scoring = _workbench()
    y = np.asarray(y, dtype=bool)
    x = x.reset_index(drop=True).astype(float)
    if len(x) == 0 or not y.any() or y.all():
        share = f"{int(y.sum())} of {len(y)}"
        raise ScenarioError(f"{condition or 'the condition'}: {share} cases are of interest; nothing to discover")
    full = pd.DataFrame([x.min(), x.max()])
    finder = prim.Prim(x, y.copy(), peel_alpha=peel_alpha, mass_min=mass_min, update_function="guivarch")
    boxes, stats, trajectories = [], [], []
    for number in range(1, max_boxes + 1):
        box = finder.find_box()
        if box is None:
            break
        trajectory = box.peeling_trajectory
        dense = trajectory[trajectory.density >= density]
        if dense.empty:
            break
        step = int(dense.sort_values(["coverage", "density"], ascending=False).index[0])  # then the densest
        box.select(step)
        limits = box.box_lims[step]
        for name, quasi_p in dict(box.p_values[step]).items():
            tested = [value for value in quasi_p if value >= 0]  # -1: that side is not restricted
            if tested and min(tested) > QUASI_P:
                box.drop_restriction(name)  # appends the box without it to the trajectory and selects it
                limits = box.box_lims[-1]
        restricted = _restrictions(limits, full, number)
        boxes += restricted
        stats.append(_box_stats(x, y, limits, number, len(restricted)))
        trajectories.append(trajectory[["coverage", "density", "mass", "res_dim"]].assign(box=number))
    tree = _seeded_cart(cart)(x, y, mass_min=mass_min, seed=seed)
    tree.build_tree()
    leaves, leaf_stats = [], []
    for number, limits in enumerate(tree.boxes, start=1):
        restricted = _restrictions(limits, full, number)
        leaves += restricted
        leaf_stats.append(_box_stats(x, y, limits, number, len(restricted)))
    scores, _ = feature_scoring.get_ex_feature_scores(x, y.astype(int), random_state=seed)
    columns = ["box", "parameter", "min", "max"]
    return Discovery(
        condition=condition,
        density=density,
        cases=len(x),
        of_interest=int(y.sum()),
        prim_boxes=pd.DataFrame(boxes, columns=columns),
        prim_stats=pd.DataFrame(stats, columns=["box", "coverage", "density", "mass", "res_dim"]),
        trajectories=trajectories,
        cart_boxes=pd.DataFrame(leaves, columns=columns),
        cart_stats=pd.DataFrame(leaf_stats, columns=["box", "coverage", "density", "mass", "res_dim"]),
        feature_scores=scores.iloc[:, 0].sort_values(ascending=False).rename("score"),
    )


def _seeded_cart(cart):
    """The workbench's CART with a seeded tree (its own leaves scikit-learn's global random state in charge)."""

    class SeededCART(cart.CART):
        def __init__(self, x, y, mass_min, seed):
            super().__init__(x, y, mass_min=mass_min)
            self.seed = seed

        def build_tree(self) -> None:
            from sklearn import tree

            self.clf = tree.DecisionTreeClassifier(
                min_samples_leaf=int(self.mass_min * self.x.shape[0]), random_state=self.seed
            )
            self.clf.fit(self._x, self.y)

    return SeededCART


def cases_of_interest(
    results: pd.DataFrame, outcome: str, above: float | None, below: float | None, censor_at: int
) -> tuple[np.ndarray, str]:
    """The condition on ``outcome`` as booleans per run, and its text.

    With neither bound, an outcome that only takes the values 0 and 1 is its own condition (``== 1``).
    """
    values = results[outcome].astype(float)
    if outcome.startswith("exit_year"):
        values = values.fillna(censor_at)
    if values.isna().any():
        raise ScenarioError(f"--outcome {outcome}: {int(values.isna().sum())} runs have no value")
    parts = []
    keep = np.ones(len(values), dtype=bool)
    if above is not None:
        keep &= values.to_numpy() > above
        parts.append(f"{outcome} > {above:g}")
    if below is not None:
        keep &= values.to_numpy() < below
        parts.append(f"{outcome} < {below:g}")
    if not parts:
        if not set(values.unique()) <= {0.0, 1.0}:
            raise ScenarioError(
                f"--outcome {outcome}: takes values from {values.min():g} to {values.max():g}; give --above and/or "
                "--below to say which runs are of interest"
            )
        keep = values.to_numpy() == 1.0
        parts.append(f"{outcome} == 1")
    return keep, " and ".join(parts)


def discover(
    folder: str | Path,
    outcome: str,
    above: float | None = None,
    below: float | None = None,
    density: float = DENSITY,
    max_boxes: int = MAX_BOXES,
) -> tuple[Path, Discovery]:
    """Run scenario discovery on a finished sweep and write ``discovery/<outcome>/``; returns it and the findings.

    Raises:
        ScenarioError: not a sweep folder, an unknown outcome, a condition no run (or every run) meets.
    """
    from sim import sweep as sw
    from sim.analyze import load_sweep

    folder = Path(folder)
    sweep = load_sweep(folder)
    if outcome not in sweep.scalars:
        raise ScenarioError(f"--outcome {outcome}: not a scalar outcome of sweep {sweep.name} "
                            f"(outcomes: {', '.join(sweep.scalars)})")  # fmt: skip
    results = sw.load_results(folder)
    if results.empty:
        raise ScenarioError(f"{folder}: no finished runs to analyse")
    until = sweep.spec.sweep.until or sweep.scenario.spec.scenario.end_year
    y, condition = cases_of_interest(results, outcome, above, below, until + 1)
    found = discover_cases(results[list(sweep.names)], y, condition, density, max_boxes, seed=sweep.spec.sweep.seed)
    target = folder / "discovery" / outcome.replace(":", "_").replace("*", "all")
    write_discovery(found, target)
    return target, found


def write_discovery(found: Discovery, target: Path) -> None:
    """Tables, figures and ``report.md`` of ``found`` in ``target`` (atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.output import atomic_dir

    with atomic_dir(target) as tmp:
        found.prim_boxes.to_csv(tmp / "prim_boxes.csv", index=False)
        found.prim_stats.to_csv(tmp / "prim_stats.csv", index=False)
        found.cart_boxes.to_csv(tmp / "cart_boxes.csv", index=False)
        found.cart_stats.to_csv(tmp / "cart_stats.csv", index=False)
        found.feature_scores.rename_axis("parameter").to_csv(tmp / "feature_scores.csv")
        fig, ax = plt.subplots(figsize=(6, 4.5))
        for trajectory in found.trajectories:
            number = int(trajectory.box.iloc[0])
            ax.plot(trajectory.coverage, trajectory.density, ".-", lw=1, label=f"box {number} peeling trajectory")
            kept = found.prim_stats[found.prim_stats.box == number].iloc[0]
            ax.plot([kept.coverage], [kept.density], "o", ms=9, mfc="none", color="black")
        ax.set_xlabel("coverage (share of the cases of interest inside)")
        ax.set_ylabel("density (share inside that is of interest)")
        ax.set_title(f"PRIM: {found.condition} (circles: boxes kept)")
        ax.legend(frameon=False, fontsize=8)
        fig.tight_layout()
        fig.savefig(tmp / "prim_tradeoff.png", dpi=100, metadata={"Software": None})
        plt.close(fig)
        fig, ax = plt.subplots(figsize=(6, 0.4 * len(found.feature_scores) + 1.2))
        ax.barh(found.feature_scores.index, found.feature_scores.to_numpy(), color="#b3261e")
        ax.invert_yaxis()
        ax.set_xlabel("extra-trees feature score")
        ax.set_title(found.condition)
        fig.tight_layout()
        fig.savefig(tmp / "feature_scores.png", dpi=100, metadata={"Software": None})
        plt.close(fig)
        (tmp / "report.md").write_text(report_text(found), encoding="utf-8")


def ranges(boxes: pd.DataFrame, box: int) -> str:
    """``"0.6 <= a <= 1; 0 <= b <= 0.4"``: the parameter ranges of one box (``all`` if it restricts none)."""
    rows = boxes[boxes.box == box].itertuples(index=False)
    return "; ".join(f"{r.min:.3g} <= {r.parameter} <= {r.max:.3g}" for r in rows) or "all"


def _box_lines(boxes: pd.DataFrame, stats: pd.DataFrame) -> list[str]:
    lines = ["| box | coverage | density | mass | ranges |", "|---|---|---|---|---|"]
    for row in stats.itertuples(index=False):
        lines.append(
            f"| {row.box} | {row.coverage:.2f} | {row.density:.2f} | {row.mass:.2f} | {ranges(boxes, row.box)} |"
        )
    return lines


def report_text(found: Discovery) -> str:
    """The discovery's ``report.md``."""
    lines = [
        f"# Scenario discovery: {found.condition}",
        "",
        f"{found.of_interest} of {found.cases} runs are of interest. Coverage: the share of all cases of interest "
        "inside a box; density: the share of the runs inside a box that are of interest; mass: the share of all "
        "runs inside it.",
        "",
        f"## PRIM boxes (density at least {found.density:g}, found one after the other)",
        "",
        *(_box_lines(found.prim_boxes, found.prim_stats) if len(found.prim_stats) else ["No box reached it."]),
        "",
        "## CART leaves of interest (density at least 0.5)",
        "",
        *_box_lines(found.cart_boxes, found.cart_stats[found.cart_stats.density >= 0.5]),
        "",
        "## Feature scores (extra trees)",
        "",
        "| parameter | score |",
        "|---|---|",
        *[f"| {name} | {score:.3f} |" for name, score in found.feature_scores.items()],
        "",
        "![PRIM trade-off](prim_tradeoff.png)",
        "",
        "![feature scores](feature_scores.png)",
        "",
    ]
    return "\n".join(lines)
