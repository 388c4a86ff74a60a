"""The historical scenario: the twelve patterns of MODEL.md section 4 and the chapter's judgements.

Every check of :mod:`sim.history` (the same functions ``sim history`` reports) must pass: in CI on the first eight
seeds of the default ensemble, with ``pytest --ensemble`` on the whole ensemble (``SIM_ENSEMBLE_SEEDS``, default
30). The thresholds are the same in both.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import pandas as pd
import pytest

from sim import history
from sim.scenario import load
from sim.targets import load_targets
from tests.conftest import HISTORY_CI_SEEDS, HISTORY_ENSEMBLE_SEEDS, historical_ensemble

SHARED_HISTORY = Path(__file__).resolve().parent.parent.parent / "shared" / "history"
"""The project's shared history folder, beside the checkout in the development workspace (absent in a clone)."""
HISTORY_CHECKSUMS = Path(__file__).resolve().parent / "baselines" / "history_inputs.sha256"
"""SHA-256 of the shared inputs when they were copied into ``sim/data/history/`` (``sha256sum`` format)."""

TARGETS = load_targets(history.TARGETS)
CHECK_IDS = [t.id for t in TARGETS.rows]
"""The checks: the targets of ``sim/scenarios/targets/historical.toml``, in file order."""


def checks(seeds: tuple[int, ...]) -> dict[str, history.Check]:
    ens, cf = historical_ensemble(seeds)
    return {c.id: c for c in history.all_checks(ens, cf)}


def test_every_pattern_and_judgement_has_a_check():
    ids = list(checks(HISTORY_CI_SEEDS))
    assert ids == CHECK_IDS  # every target measured (pattern 2 on the counterfactual), in the file's order
    patterns = {i.split("-")[0].rstrip("abcd") for i in ids if i.startswith("P")}
    assert patterns == {f"P{n}" for n in range(1, 13)}
    judgements = {i for i in ids if i.startswith("J-")}
    assert {"J-SUN", "J-CHN", "J-LA", "J-CHL", "J-AFR", "J-2025", "J-ALLY"} <= judgements


def test_without_the_counterfactual_pattern_2_is_left_out():
    ens, _ = historical_ensemble(HISTORY_CI_SEEDS)
    ids = [c.id for c in history.all_checks(ens, None)]
    assert ids == [i for i in CHECK_IDS if i != "P2"]


KNOWN_FAILURES = {
    ("ci", "P3"): (
        "issue 11: on the 8 CI seeds the later collapses of the wave take 0.76 times as long as the first-year ones "
        "(required <= 0.7; 0.44 on seeds 1-30, which pass, but 0.71 on seeds 31-60). The measure is fragile: over "
        "the versions of the crisis response, the demonstration effects and the credibility of Soviet backing it "
        "moved between 0.29 and 1.12 on 30 seeds while the exits hardly moved"
    ),
}
"""Checks the model is known to fail, with the measured figures and the issue. Strict: a check that comes to pass
fails the run until its entry is removed. The history report shows every failure to its reader."""


def _known(where: str, check_id: str) -> list[pytest.MarkDecorator]:
    reason = KNOWN_FAILURES.get((where, check_id))
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


@pytest.mark.parametrize("check_id", [pytest.param(i, marks=_known("ci", i)) for i in CHECK_IDS])
def test_historical_check(check_id):
    check = checks(HISTORY_CI_SEEDS)[check_id]
    assert check.passed, f"{check.id} {check.title}: {check.value:.3g} ({check.requirement}); {check.detail}"


@pytest.mark.ensemble
@pytest.mark.parametrize("check_id", [pytest.param(i, marks=_known("ensemble", i)) for i in CHECK_IDS])
def test_historical_check_ensemble(check_id):
    check = checks(HISTORY_ENSEMBLE_SEEDS)[check_id]
    assert check.passed, f"{check.id} {check.title}: {check.value:.3g} ({check.requirement}); {check.detail}"


def test_the_scenario_sets_causes_not_outcomes():
    """No driver in the historical file sets a status or a feature, nor the centre's enforcement (hegemony and
    tolerance are its leadership's decision): schedules are causes (reach, war, aid pledged, ...)."""
    spec = load("historical").spec
    assert {s.variable for s in spec.drivers.schedules} <= {
        "reach", "war", "commitment", "monopoly_pressure", "emigration", "aid", "debt",
    }  # fmt: skip
    assert not any(e.kind == "doctrine" for e in spec.drivers.events)  # doctrines are decided
    text = (load("historical").path).read_text(encoding="utf-8")
    for word in ("status =", "f1 =", "f2 =", "monopoly =", "centralism =", "classification"):
        assert word not in text


def test_every_state_of_states_csv_is_in_the_scenario():
    real = pd.read_csv(history.HISTORY_INPUTS / "states.csv")
    codes = {s.code for s in load("historical").spec.states}
    column = "code" if "code" in real.columns else real.columns[0]
    assert set(real[column]) <= codes


def recorded_checksums() -> dict[str, str]:
    """File name -> SHA-256 from the committed checksum file."""
    lines = HISTORY_CHECKSUMS.read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, name in (line.split() for line in lines if line.strip())}


def test_shipped_history_inputs_match_their_committed_checksums():
    """The historical inputs are the ones the scenario was built from: editing one means updating the checksum
    (``sha256sum states.csv drivers.csv party_stats.csv`` in sim/data/history/) in the same commit, on purpose."""
    recorded = recorded_checksums()
    assert sorted(recorded) == ["drivers.csv", "party_stats.csv", "states.csv"]
    for name, digest in recorded.items():
        assert hashlib.sha256((history.HISTORY_INPUTS / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.skipif(
    not SHARED_HISTORY.is_dir(),
    reason="only in the development workspace: the project's shared history folder is not beside this checkout "
    "(the committed checksums are checked instead)",
)
@pytest.mark.parametrize("name", ["states.csv", "drivers.csv", "party_stats.csv"])
def test_shipped_history_inputs_equal_the_shared_ones(name):
    assert (history.HISTORY_INPUTS / name).read_bytes() == (SHARED_HISTORY / name).read_bytes()


def test_membership_and_votes_are_compared_with_the_real_figures():
    """Every row of the real figures the model can produce is compared, and the rows a parameter was set on are
    marked as such (issue 12)."""
    ens, _ = historical_ensemble(HISTORY_CI_SEEDS)
    real = history.party_stats()
    membership = history.membership_comparison(ens, real)
    assert {"SUN-CP", "CHN-CP", "DDR-CP", "ROU-CP", "VNM-CP", "LAO-CP", "PRK-CP", "ALB-CP"} <= set(membership.party)
    fitted = membership[membership.modelled & (membership.fitted != "")]
    assert set(fitted.party) == {"SUN-CP", "CHN-CP", "ITA-CP"}
    assert "membership_ceiling" in membership.set_index(["party", "year"]).loc[("SUN-CP", 1971), "fitted"]
    apparatus = fitted[fitted.fitted.str.startswith("apparatus_years")]
    assert len(apparatus) >= 10 and apparatus.log_error.median() < 0.35, apparatus
    out_of_sample = membership[membership.modelled & (membership.fitted == "")]
    assert len(out_of_sample) >= 10 and out_of_sample.within.dtype == bool
    votes = history.vote_comparison(ens, real)
    assert {"ITA", "FRA", "GBR", "DEU", "HUN", "CSK", "BGR", "MNG", "ALB"} <= set(votes.state)
    assert (votes.communist_error == votes.sim_communist - votes.real_communist).all()
    assert (votes.sim_year - votes.year).abs().max() <= 2  # matched to the nearest simulated election
    # the voters' pluralism preference is calibrated to each country's first post-war election: that one must fit
    first = votes[votes.fitted == "voter_pluralism"]
    assert set(first.state) == {"ITA", "FRA", "GBR", "DEU"}
    assert (first.communist_error.abs() < 0.05).all(), first
    # the founding elections the Communists' successors won are known as won; one a rival won as lost
    won = votes.set_index(["state", "year"]).real_won
    assert won[("BGR", 1990)] is True and won[("MNG", 1990)] is True and won[("ALB", 1991)] is True
    assert won[("HUN", 1990)] is False and won[("HUN", 1945)] is False
    assert pd.isna(won[("FRA", 1945)])  # the record lists too few parties to say
    # out of sample the Communist share stays the small party's share it was (the trends are not reproduced:
    # docs/ODD.md section 8), and the errors are reported, not hidden
    assert (votes.sim_communist < 0.4).all()


def test_history_report_is_written(tmp_path):
    ens, cf = historical_ensemble(HISTORY_CI_SEEDS)
    where, result = history.write_history(ens, cf, tmp_path / "ensemble")
    files = {p.name for p in where.iterdir()}
    for name in ("report.md", "checks.csv", "status_bands.csv", "change_years.csv", "membership.csv", "votes.csv",
                 "states.parquet", "metadata.json", "status_bands.png"):  # fmt: skip
        assert name in files, files
    text = (where / "report.md").read_text(encoding="utf-8")
    assert f"{sum(c.passed for c in result)} of {len(result)}" in text
    changes = pd.read_csv(where / "change_years.csv")
    sun = changes[(changes.code == "SUN") & (changes.to_status == "non_communist")]
    assert len(sun) == 1 and sun.seeds.iloc[0] == len(HISTORY_CI_SEEDS) and sun["median"].iloc[0] == 1989
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


def test_status_bands_are_shares_that_sum_to_one():
    ens, _ = historical_ensemble(HISTORY_CI_SEEDS)
    bands = history.status_bands(ens)
    shares = bands[["communist", "hybrid", "non_communist"]].sum(axis=1)
    assert all(math.isclose(x, 1.0) for x in shares)


def test_the_terminal_summary_leads_with_what_happened_and_ends_with_the_checks():
    ens, cf = historical_ensemble(HISTORY_CI_SEEDS)
    found = history.all_checks(ens, cf)
    text = history.terminal_summary(ens, found, Path("results/x"))
    lines = text.splitlines()
    assert lines[2] == "What happened (median year over the seeds):"
    assert lines[3].lstrip().startswith("Entries (first communist year): SUN ")
    cascade = next(line for line in lines if "The cascade" in line)
    assert all(code in text[text.index(cascade) :] for code in ("POL", "HUN", "CSK", "DDR"))
    assert any(line.lstrip().startswith("Survivors in 2025") and "CHN hybrid" in line for line in lines)
    passed = sum(c.passed for c in found)
    checks_line = lines.index(f"checks: {passed}/{len(found)} pass (report.md)")
    assert checks_line > 5  # after the history, not before it
    assert len([line for line in lines if line.lstrip().startswith("FAIL")]) == len(found) - passed
    assert lines[-1].startswith("  ") and any(line.startswith("legend:") for line in lines[checks_line:])
    assert not any(c.id in "\n".join(lines[:checks_line]) for c in found if c.passed)  # no check codes up front


def test_the_terminal_summary_gives_a_survivors_status_where_it_survives_and_the_records_scores(tmp_path):
    from dataclasses import replace

    ens, cf = historical_ensemble(HISTORY_CI_SEEDS)
    runs = [dict(run) for run in ens.runs]
    ruled = runs[0]["states"].copy()  # one seed in which a state that fell everywhere is still ruled in 2025
    fell = next(c for c in ("HUN", "DDR", "CSK") if (ens.table("states").query("year == 2025 and code == @c").status
                                                    == "non_communist").all())  # fmt: skip
    ruled.loc[(ruled.code == fell) & (ruled.year == 2025), "status"] = "communist"
    runs[0]["states"] = ruled
    scores, _ = history.record_comparison(ens.table("states"), ens.scenario)
    scores.to_csv(tmp_path / "record_scores.csv", index=False)
    text = history.terminal_summary(replace(ens, runs=runs), history.all_checks(ens, cf), tmp_path)
    n = len(ens.seeds)
    assert f"{fell} communist (1/{n})" in text  # not the status most seeds have (non-communist)
    assert "against the record of statuses after 1980 (in sample; report.md): status error" in text
    assert "against the record" not in history.terminal_summary(ens, history.all_checks(ens, cf), tmp_path / "x")


def test_the_protest_waves_of_the_record_are_scored_within_a_year_with_their_outcomes():
    """A wave counts in a seed when the model's signal comes within a year of the record's; its simulated outcome
    joins every label that applies (here a concession and the leader's removal, the record's Bulgaria 1989)."""
    rows = [
        (1, "BGR", 1990, "crisis", "1990 BGR mass protest in Bulgaria (public dissent 0.6)"),
        (1, "BGR", 1990, "concession", "1990 BGR Bulgarian Communist Party concedes to mass protest"),
        (1, "BGR", 1990, "leader", "1990 BGR a conservative leader Zhivkov was removed by the Politburo in a crisis"),
        (2, "BGR", 1992, "crisis", "1992 BGR mass protest in Bulgaria (public dissent 0.5)"),  # too late
        (2, "BGR", 1992, "crackdown", "1992 BGR crackdown in Bulgaria silences the protest"),
        (1, "CSK", 1969, "intervention", "1969 CSK the centre intervenes"),
    ]
    events = pd.DataFrame(rows, columns=["seed", "code", "year", "kind", "text"])
    record = pd.DataFrame(
        [("BGR", 1989, "protest", "leader_changed", "Zhivkov removed"), ("CSK", 1968, "intervention", "intervention",
         "Prague Spring")],
        columns=["code", "year", "signal", "outcome", "event"],
    )  # fmt: skip
    waves = history.protest_waves(events, 2, record).set_index("code")
    assert waves.loc["BGR", "seeds"] == 1 and waves.loc["BGR", "median_year"] == 1990
    assert waves.loc["BGR", "outcomes"] == "concession+leader_changed 1"
    assert waves.loc["BGR", "same_outcome"] == 1
    assert waves.loc["CSK", "seeds"] == 1 and waves.loc["CSK", "same_outcome"] == 1
    responses = history.protest_responses(events)
    assert responses.set_index(["seed", "year"]).loc[(2, 1992), "outcome"] == "crushed"


def test_the_shipped_record_of_protest_waves_names_known_states_signals_and_outcomes():
    record = pd.read_csv(history.PROTEST_WAVES)
    codes = {s.code for s in load("historical").spec.states}
    assert set(record.code) <= codes
    assert set(record.signal) <= {"protest", "intervention"}
    assert set(record.outcome) <= {"crushed", "intervention", "concession", "leader_changed", "overthrown"}
    assert record.event.str.len().min() > 10


def test_each_exit_is_classified_by_the_kind_of_transition_its_event_log_records():
    """The kinds are read from the concession's words and the leader's exit in the year of the loss of F1 and the
    year before; an exit with no concession is the party's own reform (from above)."""
    from sim.mechanisms.crisis import CONCEDED, NEGOTIATED, PACT
    from sim.vocab import LeaderExit

    def exit_in(code: str, year: int) -> list[tuple]:
        return [(1, code, y, y < year) for y in range(year - 3, year + 2)]

    codes = {"AAA": 1989, "BBB": 1990, "CCC": 1989, "DDD": 1991, "EEE": 1989}
    states = pd.DataFrame(
        [row for code, year in codes.items() for row in exit_in(code, year)], columns=["seed", "code", "year", "f1"]
    )
    events = pd.DataFrame(
        [
            (1, "AAA", 1989, "concession", f"1989 AAA the party {NEGOTIATED} (monopoly now 0.60)"),
            (1, "BBB", 1989, "concession", f"1989 BBB the party {PACT} (monopoly now 0.60)"),
            (1, "CCC", 1989, "concession", f"1989 CCC the party {CONCEDED} (monopoly now 0.60)"),
            (1, "CCC", 1989, "leader", f"1989 CCC a leader X (since 1965) {LeaderExit.ARMY.phrase}"),
            (1, "DDD", 1991, "concession", f"1991 DDD the party {CONCEDED} (monopoly now 0.60)"),
            (1, "DDD", 1985, "concession", f"1985 DDD the party {NEGOTIATED} (monopoly now 0.60)"),  # long before
        ],
        columns=["seed", "code", "year", "kind", "text"],
    )
    kinds = history.transition_kinds(states, events).set_index("code").kind.to_dict()
    assert kinds == {"AAA": "negotiated", "BBB": "palace_coup", "CCC": "overthrown", "DDD": "crowds",
                     "EEE": "from_above"}  # fmt: skip
    record = pd.DataFrame([("AAA", 1989, "negotiated", "a round table"), ("CCC", 1989, "crowds", "crowds")],
                          columns=["code", "year", "kind", "event"])  # fmt: skip
    text = "\n".join(history.transitions_markdown(history.transition_kinds(states, events), 1, record))
    assert "matches the record's" in text and "for 1 of 2 states" in text


def test_the_shipped_record_of_transitions_names_european_bloc_states_and_known_kinds():
    record = pd.read_csv(history.TRANSITIONS)
    assert set(record.kind) <= set(history.TRANSITION_KINDS)
    tagged = {s.code for s in load("historical").spec.states if history.CASCADE_TAG in s.tags}
    assert set(record.code) == tagged


def test_the_report_scores_the_ensemble_against_the_record_beside_the_naive_table():
    from sim import validation

    ens, _ = historical_ensemble(HISTORY_CI_SEEDS)
    scores, exits = history.record_comparison(ens.table("states"), ens.scenario)
    record = validation.load_record()
    assert set(exits.code) == set(validation.exit_years(record))  # every recorded exit, once
    naive = validation.exit_errors([validation.naive_table(sorted(record.year.unique()))], record)
    assert exits.set_index("code").naive_abs_error.to_dict() == naive.set_index("code").abs_error.to_dict()
    assert exits.loc[exits.code == "MNG", "naive_abs_error"].item() == 2026 - 1990  # the naive table never ends it
    assert list(scores.score)[-1] == "exit-year error > 1980 (years)"
    assert ((scores.skill - (1 - scores.model / scores.naive)).abs() < 1e-3).all()
    text = "\n".join(history.record_markdown(scores, exits, len(ens.seeds)))
    assert "## Against the record of statuses" in text and "in-sample" in text
    assert all(f"| {code} | " in text for code in exits.code)
    assert history.record_comparison(pd.DataFrame(), load("stylized")) is None  # no record of a synthetic world
