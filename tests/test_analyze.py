"""`sim analyze` on sweep folders whose outcomes are planted functions of the parameters (no model run needed)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from sim import analyze as an
from sim import sweep as sw

SPEC = """
[sweep]
name = "planted"
scenario = "stylized"
design = "{design}"
samples = {samples}
seed = 4

[parameters.hegemony]
range = [0.1, 0.9]

[parameters.belief_erosion]
range = [0.1, 0.5]

[outcomes]
scalars = ["communist:1990", "crises"]
"""


def planted_folder(tmp_path, monkeypatch, design: str, samples: int, steps: int | None = None):
    """A sweep folder (spec and design) whose results say: communist states in 1990 rise with hegemony only,
    crises fall with belief erosion only."""
    folder = tmp_path / "planted"
    folder.mkdir()
    text = SPEC.format(design=design, samples=samples)
    if steps:
        text = text.replace("]\n\n", f"]\nsteps = {steps}\n\n")
    (folder / "spec.toml").write_text(text, encoding="utf-8")
    sweep = sw.load_spec(folder / "spec.toml")
    design_table = sw.build_design(sweep)
    design_table.to_parquet(folder / "design.parquet")
    rng = np.random.default_rng(0)
    results = design_table.copy()
    results["communist:1990"] = 10 * results.hegemony + rng.normal(0, 0.2, len(results))
    results["crises"] = 5.0 - 6 * results.belief_erosion + rng.normal(0, 0.2, len(results))
    monkeypatch.setattr(an, "load_results", lambda f, table="results": results)
    return folder, sweep


@pytest.mark.parametrize("design", ["lhs", "grid"])
def test_lhs_and_grid_designs_get_delta_and_pawn_that_find_the_planted_driver(tmp_path, monkeypatch, design):
    folder, sweep = planted_folder(tmp_path, monkeypatch, design, 100, steps=10 if design == "grid" else None)
    assert len(sw.design_points(sweep)) == 100
    table, _, method = an.indices(sweep, folder)
    assert method == "Borgonovo delta"
    assert set(table.columns) >= {"delta", "delta_conf", "S1", "pawn_median", "pawn_max"}
    for outcome, driver, other in (("communist:1990", "hegemony", "belief_erosion"),
                                   ("crises", "belief_erosion", "hegemony")):  # fmt: skip
        rows = table[table.outcome == outcome].set_index("parameter")
        assert rows.delta[driver] > 2 * rows.delta[other]
        assert rows.pawn_median[driver] > 2 * rows.pawn_median[other]
        assert rows.S1[driver] > 0.8


def test_a_small_sobol_sample_is_warned_about(tmp_path, monkeypatch, caplog):
    folder, _ = planted_folder(tmp_path, monkeypatch, "sobol", 16)
    with caplog.at_level(logging.WARNING, logger="sim.analyze"):
        target = an.analyze(folder)
    assert "a Sobol sample of 16 base samples is too small to rank the parameters" in caplog.text
    assert "**Warning**" in (target / "report.md").read_text(encoding="utf-8")


def test_a_large_enough_sobol_sample_is_not_warned_about(tmp_path, monkeypatch, caplog):
    folder, sweep = planted_folder(tmp_path, monkeypatch, "sobol", an.SOBOL_MIN_SAMPLES)
    with caplog.at_level(logging.WARNING, logger="sim.analyze"):
        table, _, _ = an.indices(sweep, folder)
    assert an.sobol_warning(sweep, table) is None and not caplog.text
    rows = table[table.outcome == "communist:1990"].set_index("parameter")
    assert rows.ST["hegemony"] > 0.9 > 0.1 > rows.ST["belief_erosion"]
    assert pd.notna(rows.ST_conf).all()
