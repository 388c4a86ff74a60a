"""What-if variants: they apply cleanly, name only what the baseline has, share random numbers with it, and the
comparison says whose fate changes."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import whatif
from sim.ensemble import run_ensemble
from sim.scenario import ScenarioError, load
from sim.variants import VARIANT_DIR, load_variant
from tests.conftest import HISTORY_CI_SEEDS, WORKERS, historical_ensemble

VARIANTS = sorted(p.stem for p in VARIANT_DIR.glob("*.toml"))
SEEDS = HISTORY_CI_SEEDS[:4]


@functools.cache
def variant_ensemble(name: str):
    return run_ensemble(load_variant(name).apply(load("historical")), list(SEEDS), workers=WORKERS, progress=False)


def baseline_ensemble():
    from sim.ensemble import Ensemble

    ens, _ = historical_ensemble(HISTORY_CI_SEEDS)
    return Ensemble(ens.scenario, list(SEEDS), ens.runs[: len(SEEDS)])


def write_variant(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "v.toml"
    path.write_text('[variant]\nname = "v"\nbase = "historical"\n' + body, encoding="utf-8")
    return path


def test_at_least_six_variants_ship():
    assert len(VARIANTS) >= 6
    for required in ("conservative_1985", "brezhnev_doctrine_holds", "tolerate_1968", "nep_kept", "comintern_kept",
                     "china_command"):  # fmt: skip
        assert required in VARIANTS


@pytest.mark.parametrize("name", VARIANTS)
def test_each_variant_changes_only_drivers_or_parameters(name):
    base = load("historical")
    var = load_variant(name).apply(base)
    a, b = base.spec.model_dump(), var.spec.model_dump()
    changed = {key for key in a if a[key] != b[key]}
    assert changed in ({"drivers"}, {"parameters"}, {"drivers", "parameters"}), changed
    assert var.variant == name


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[replace_events]]\nmatch = { year = 1985, kind = "leader", state = "XXX" }\nset = { value = "believer" }',
         "replace_events[0].match.state: the baseline 'historical' has no state 'XXX'"),
        ('[[replace_events]]\nmatch = { year = 1986, kind = "leader", state = "SUN" }\nset = { value = "believer" }',
         "replace_events[0].match: matches no event of the baseline"),
        ('[[replace_events]]\nmatch = { year = 1985, kind = "leader", state = "SUN" }\nset = { colour = "red" }',
         "replace_events[0].set.colour: unknown event key"),
        ('[[replace_events]]\nmatch = { year = 1985, kind = "leader", state = "SUN" }\nset = { value = "liberal" }',
         "drivers.events"),
        ("[parameters.members]\nbelief_erosion_rate = 0.1", "parameters.members.belief_erosion_rate"),
        ("[parameters.colours]\nred = 1.0", "parameters.colours: unknown parameter group"),
        ('[[add_events]]\nyear = 1970\nkind = "leader"\nstate = "ATL"\nvalue = "reformer"',
         "add_events[0].state: the baseline 'historical' has no state 'ATL'"),
        ('[[schedules]]\nvariable = "hegemony"\nstates = ["ZZZ"]\npoints = [[1950, 0.5]]',
         "schedules[0].states: the baseline 'historical' has no state 'ZZZ'"),
        ("[[remove_events]]\nmatch = { year = 1900 }", "remove_events[0].match: matches no event of the baseline"),
        ("colour = 1", "colour"),
    ],
)  # fmt: skip
def test_a_variant_naming_what_the_baseline_lacks_is_a_clear_error(tmp_path, body, message):
    path = write_variant(tmp_path, body)
    with pytest.raises(ScenarioError) as err:
        load_variant(path).apply(load("historical"))
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_a_variant_of_another_baseline_is_refused(tmp_path):
    path = write_variant(tmp_path, "")
    with pytest.raises(ScenarioError, match=r"variant\.base: the variant modifies 'historical' but the baseline is"):
        load_variant(path).apply(load("stylized"))


def test_unknown_variant_name_lists_the_known_ones():
    with pytest.raises(ScenarioError, match="conservative_1985"):
        load_variant("no_such_variant")


def test_common_random_numbers_worlds_agree_until_the_change():
    """A 1985 change leaves every year before 1985 identical, seed by seed; an empty variant changes nothing."""
    base = baseline_ensemble()
    variant = variant_ensemble("conservative_1985")
    for b, v in zip(base.runs, variant.runs, strict=True):
        before_b = b["states"][b["states"].year < 1985].reset_index(drop=True)
        before_v = v["states"][v["states"].year < 1985].reset_index(drop=True)
        pd.testing.assert_frame_equal(before_b, before_v)
        assert not b["states"].equals(v["states"])


def test_an_empty_variant_reproduces_the_baseline(tmp_path):
    path = write_variant(tmp_path, "")
    same = load_variant(path).apply(load("historical"))
    base = baseline_ensemble()
    again = run_ensemble(same, list(SEEDS[:1]), workers=1, progress=False)
    for name, frame in base.runs[0].items():
        pd.testing.assert_frame_equal(frame, again.runs[0][name])


def test_comparison_finds_whose_fate_changes(tmp_path):
    base, variant = baseline_ensemble(), variant_ensemble("conservative_1985")
    where, comparison = whatif.write_comparison(
        base, variant, "A conservative in 1985", "test", tmp_path / "cmp", {"seeds": list(SEEDS)}
    )
    files = {p.name for p in where.iterdir()}
    assert {"series.csv", "shifts.csv", "fates.csv", "events.csv", "report.md", "series.png", "baseline",
            "variant"} <= files  # fmt: skip
    fates = comparison.fates.set_index("code")
    assert fates.loc["SUN", "fate_differs_in_most_seeds"]
    assert fates.loc["CHN", "share_of_seeds_differing"] <= 0.5  # China's path does not hinge on Moscow's 1985 choice
    series = comparison.series.set_index(["world", "series", "year"])["median"]
    assert series[("baseline", "communist", 1980)] == series[("variant", "communist", 1980)]
    shifts = comparison.shifts
    sun = shifts[(shifts.code == "SUN") & (shifts.from_status == "communist") & (shifts.to_status == "non_communist")]
    # the Soviet exit comes in 1988-90 under the reformer (the P11 window), never in those years under a conservative
    assert sun.baseline_year.between(1988, 1990).all() and not sun.variant_year.between(1988, 1990).any()
    assert "SUN" in (where / "report.md").read_text(encoding="utf-8")


def test_comparison_needs_the_same_seeds():
    base = baseline_ensemble()
    from sim.ensemble import Ensemble

    other = Ensemble(base.scenario, [s + 100 for s in base.seeds], base.runs)
    with pytest.raises(ValueError, match="same seeds"):
        whatif.compare(base, other)


def test_cli_whatif_bad_variant_exits_2_and_writes_nothing(tmp_path):
    path = write_variant(tmp_path, '[[remove_events]]\nmatch = { state = "ATL" }')
    out = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "whatif", "historical", str(path), "--replicates", "2", "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "remove_events[0].match.state" in proc.stderr and "'ATL'" in proc.stderr
    assert not out.exists()
