"""Which calibrated parameters matter for the historical outcomes, and which could be fixed: ``sim sensitivity``.

``sim calibrate`` writes ``sensitivity.toml``, a Sobol sweep spec over the calibrated ranges (posterior 5-95%) of
the historical outcomes (exit years, statuses in 1992 and 2025, splits). The sweep runs and is analysed by the
existing machinery (``sim sweep``, :mod:`sim.analyze` with SALib); this module reads its ``indices.csv`` and
screens the parameters: one **matters** when its total-order index ``ST`` (Sobol) or its normalised ``mu*``
(Morris: mu* over the largest mu* of that outcome) reaches :data:`MATTERS` for some outcome, with its 95%
confidence interval; it **could be fixed** (at its calibrated median) when it stays below :data:`FIXABLE` for every
outcome, the usual factor-fixing reading of total-order indices (Saltelli et al. 2008, *Global Sensitivity
Analysis: The Primer*, ch. 4).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

MATTERS = 0.1
FIXABLE = 0.05


def screening(table: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: its largest index over the outcomes (with its confidence half-width), the outcome it has it
    on, and the verdict, read with the 95% intervals: it **matters** when the lower bound reaches :data:`MATTERS`
    on some outcome, **could be fixed** when the upper bound stays below :data:`FIXABLE` on every outcome, and is
    **undetermined** otherwise (the sample is too small for the seed noise: more samples or replicates).

    Args:
        table: ``indices.csv`` of :func:`sim.analyze.analyze` (Sobol ``ST``/``ST_conf`` or Morris
            ``mu_star``/``mu_star_conf``).
    """
    constant = table["constant_outcome"].astype(bool) if "constant_outcome" in table else False
    table = table[~constant] if "constant_outcome" in table else table
    if "ST" in table:
        score, conf, index = table.ST.clip(0, 1), table.ST_conf, "ST"
    elif "mu_star" in table:
        top = table.groupby("outcome").mu_star.transform("max").replace(0, float("nan"))
        score, conf, index = table.mu_star / top, table.mu_star_conf / top, "mu* / max mu*"
    else:
        raise ValueError("the sweep's indices have neither ST (Sobol) nor mu_star (Morris) columns")
    scored = table.assign(score=score.fillna(0.0), conf=conf.fillna(0.0))
    scored = scored.assign(lower=(scored.score - scored.conf).clip(lower=0), upper=scored.score + scored.conf)
    rows = []
    for name, g in scored.groupby("parameter", sort=False):
        top = g.loc[g.lower.idxmax()]
        if top.lower >= MATTERS:
            verdict = "matters"
        elif (g.upper < FIXABLE).all():
            verdict = "could be fixed"
        else:
            verdict = "undetermined"
        rows.append({"parameter": name, "index": index, "largest_lower_bound": float(top.lower),
                     "on": top.outcome, "median_index": float(g.score.median()),
                     "outcomes_matter": int((g.lower >= MATTERS).sum()), "verdict": verdict})  # fmt: skip
    return pd.DataFrame(rows).sort_values("largest_lower_bound", ascending=False).reset_index(drop=True)


def screening_markdown(screen: pd.DataFrame, sweep_name: str) -> str:
    """The screening in words and a table."""
    matters = screen[screen.verdict == "matters"].parameter.tolist()
    fixable = screen[screen.verdict == "could be fixed"].parameter.tolist()
    lines = [
        f"# Which parameters matter: sweep {sweep_name}",
        "",
        f"A parameter **matters** when the lower 95% bound of its index reaches {MATTERS:g} on some historical "
        f"outcome; it **could be fixed** at its calibrated median when the upper bound stays below {FIXABLE:g} on "
        "every outcome; otherwise the sweep is too small for the seed noise to say (**undetermined**).",
        "",
        f"- matter: {', '.join(matters) or 'none'}",
        f"- could be fixed: {', '.join(fixable) or 'none'}",
        f"- undetermined: {', '.join(screen[screen.verdict == 'undetermined'].parameter) or 'none'}",
        "",
        "| parameter | largest lower bound | on outcome | median index | outcomes where it matters | verdict |",
        "|---|---|---|---|---|---|",
    ]
    lines += [f"| {r.parameter} | {r.largest_lower_bound:.3f} ({r.index}) | {r.on} | {r.median_index:.3f} | "
              f"{r.outcomes_matter} | {r.verdict} |" for r in screen.itertuples()]  # fmt: skip
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
