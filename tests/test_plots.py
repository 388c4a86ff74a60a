"""The plotting helpers of runs and ensembles draw what the tables say."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from sim import plots, runner
from sim.ensemble import run_ensemble
from sim.scenario import load


@pytest.fixture(scope="module")
def result():
    return runner.run("stylized", 1, 2, 1960, {"goal_threshold": 0.45}, progress=False)


def test_status_counts_add_up_to_the_states_of_each_year(result):
    counts = plots.status_counts(result.frames["states"])
    per_year = result.frames["states"].groupby(["seed", "year"]).size().to_numpy()
    assert (counts[list(plots.STATUSES)].sum(axis=1).to_numpy() == per_year).all()


def test_plot_status_draws_the_median_of_each_status_with_a_band(result):
    ax = result.plot_status()
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"communist", "hybrid", "non-communist"}
    counts = plots.status_counts(result.frames["states"])
    expected = counts.groupby("year").communist.median().to_numpy()
    assert np.array_equal(lines["communist"].get_ydata(), expected)
    assert len(ax.collections) == 3  # one band per status with two replicates
    assert "median of 2 seeds" in ax.get_title()


def test_plot_features_shows_six_indicators_against_the_run_thresholds(result):
    fig = result.plot_features("BLA")
    axes = fig.axes
    assert len(axes) == 6
    assert [ax.get_title().split()[0] for ax in axes] == ["F1", "F2", "F3", "F4", "F5", "F6"]
    goal = axes[4]
    threshold_lines = [line for line in goal.get_lines() if line.get_linestyle() == "--"]
    assert [line.get_ydata()[0] for line in threshold_lines] == [0.45]  # the override, not the default 0.5
    assert not [line for line in axes[5].get_lines() if line.get_linestyle() == "--"]  # F6 is a boolean
    bla = result.frames["states"].query("code == 'BLA'")
    assert np.allclose(axes[0].get_lines()[0].get_ydata(), bla.groupby("year").monopoly.median().to_numpy())


def test_an_unknown_state_is_named_with_the_known_ones(result):
    with pytest.raises(KeyError, match=r"'XXX' is not a state of this run.*BLA"):
        result.plot_features("XXX")


def test_an_ensemble_plots_the_same_way():
    ens = run_ensemble(load("stylized"), [3, 4, 5], workers=1, until=1955, progress=False)
    ax = ens.plot_status()
    assert "median of 3 seeds" in ax.get_title()
    assert len(ens.plot_features("BLB").axes) == 6
