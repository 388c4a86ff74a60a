"""Which calibrated parameters matter for the historical outcomes, and which could be fixed: ``sim sensitivity``.

``sim calibrate`` writes ``sensitivity.toml``, a Sobol sweep spec over the calibrated ranges (posterior 5-95%) of
the historical outcomes (exit years, statuses in 1992 and 2025, splits). The sweep runs and is analysed by the
existing machinery (``sim sweep``, :mod:`sim.analyze` with SALib); this module reads its ``indices.csv`` and
screens the parameters: one **matters** when its total-order index ``ST`` (Sobol) or its normalised ``mu*``
(Morris: mu* over the largest mu* of that outcome) reaches :data:`MATTERS` for some outcome; it **could be fixed**
(at its calibrated median) when it stays below :data:`FIXABLE` for every outcome, the usual factor-fixing reading of
total-order indices (Saltelli et al. 2008, *Global Sensitivity Analysis: The Primer*, ch. 4).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

MATTERS = 0.1
FIXABLE = 0.05


def screening(table: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: its largest index over the outcomes, the outcome it has it on, and the verdict.

    Args:
        table: ``indices.csv`` of :func:`sim.analyze.analyze` (Sobol ``ST`` or Morris ``mu_star`` columns).
    """
    table = table[~table.get("constant_outcome", pd.Series(False, index=table.index)).astype(bool)]
    if "ST" in table:
        score = table.ST.clip(lower=0)
        index = "ST"
    elif "mu_star" in table:
        score = table.mu_star / table.groupby("outcome").mu_star.transform("max").replace(0, float("nan"))
        index = "mu* / max mu*"
    else:
        raise ValueError("the sweep's indices have neither ST (Sobol) nor mu_star (Morris) columns")
    scored = table.assign(score=score.fillna(0.0))
    rows = []
    for name, g in scored.groupby("parameter", sort=False):
        top = g.loc[g.score.idxmax()]
        verdict = "matters" if top.score >= MATTERS else ("could be fixed" if top.score < FIXABLE else "minor")
        rows.append({"parameter": name, "index": index, "largest": float(top.score), "on": top.outcome,
                     "outcomes_above": int((g.score >= MATTERS).sum()), "verdict": verdict})  # fmt: skip
    return pd.DataFrame(rows).sort_values("largest", ascending=False).reset_index(drop=True)


def screening_markdown(screen: pd.DataFrame, sweep_name: str) -> str:
    """The screening in words and a table."""
    matters = screen[screen.verdict == "matters"].parameter.tolist()
    fixable = screen[screen.verdict == "could be fixed"].parameter.tolist()
    lines = [
        f"# Which parameters matter: sweep {sweep_name}",
        "",
        f"A parameter **matters** when its index reaches {MATTERS:g} on some historical outcome; it **could be fixed** "
        f"at its calibrated median when it stays below {FIXABLE:g} on every outcome.",
        "",
        f"- matter: {', '.join(matters) or 'none'}",
        f"- could be fixed: {', '.join(fixable) or 'none'}",
        "",
        "| parameter | largest index | on outcome | outcomes >= 0.1 | verdict |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {r.parameter} | {r.largest:.3f} ({r.index}) | {r.on} | {r.outcomes_above} | {r.verdict} |"
              for r in screen.itertuples()]  # fmt: skip
    return "\n".join(lines) + "\n"


def write_screening(folder: str | Path) -> tuple[Path, pd.DataFrame]:
    """Analyse a finished sweep (:func:`sim.analyze.analyze`) and add ``screening.csv`` and ``screening.md``."""
    from sim.analyze import analyze, load_sweep

    folder = Path(folder)
    target = analyze(folder)
    screen = screening(pd.read_csv(target / "indices.csv"))
    screen.to_csv(target / "screening.csv", index=False)
    (target / "screening.md").write_text(screening_markdown(screen, load_sweep(folder).name), encoding="utf-8")
    return target, screen
