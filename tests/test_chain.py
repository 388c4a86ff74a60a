"""The causal chain of a what-if: it starts with the changed cause, the worlds part no earlier than the cause acts
(common random numbers), it says so when nothing changes, and the report and chain.csv carry it."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pytest

from sim import chain as ch
from sim import whatif
from sim.ensemble import run_ensemble
from sim.scenario import load
from sim.variants import load_variant
from tests.conftest import WORKERS

SEEDS = (1, 2, 3)


def write_variant(tmp_path: Path, body: str, name: str = "v") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'[variant]\nname = "{name}"\nbase = "historical"\n' + body, encoding="utf-8")
    return path


@functools.cache
def worlds(variant: str | Path, until: int, seeds: tuple[int, ...] = SEEDS):
    """Baseline and variant ensembles of the historical scenario run to ``until`` (small, for speed)."""
    base = load("historical")
    other = load_variant(variant).apply(base)
    run = functools.partial(run_ensemble, seeds=list(seeds), workers=WORKERS, progress=False, until=until)
    return run(base), run(other)


def test_a_changed_succession_starts_the_chain_and_the_worlds_part_no_earlier():
    base, variant = worlds("conservative_1985", 1992)
    comparison = whatif.compare(base, variant)
    table = comparison.chain.table
    cause = table.iloc[0]
    assert cause.role == "cause" and cause.year == 1985 and cause.state == "SUN" and cause.kind == "leader"
    assert "reformer" in cause.baseline and "conservative" in cause.variant
    assert "1985 SUN leader: reformer" in cause.text and "-> conservative" in cause.text
    assert not comparison.chain.identical
    first = comparison.chain.first
    assert len(first) == len(SEEDS) and first.year.notna().all()
    assert (first.year >= 1985).all(), "common random numbers: no divergence before the cause acts"
    assert (first.year == 1985).all(), "the changed leader event itself differs in 1985"
    assert (first.first_value_year >= 1985).all()
    divergence = table[table.role == "first_divergence"].iloc[0]
    assert divergence.year == 1985 and divergence.state == "SUN" and divergence.kind == "leader"
    assert divergence.world == "changed" and divergence.seeds == len(SEEDS)
    assert list(table.role) == sorted(table.role, key=["cause", "first_divergence", "link", "outcome"].index)
    links = table[table.role == "link"]
    assert len(links) and (links.year >= 1985).all()
    assert (comparison.chain.divergences.year >= 1985).all()


def test_a_variant_whose_cause_falls_after_the_last_year_changes_nothing_and_says_so():
    base, variant = worlds("conservative_1985", 1980)
    chain = whatif.compare(base, variant).chain
    assert chain.identical
    assert list(chain.table.role) == ["cause", "no_divergence"]
    assert chain.table.iloc[0].year == 1985  # the cause is still named, though it never acts
    assert chain.divergences.empty and chain.first.year.isna().all()
    text = " ".join(ch.chain_sentences(chain))
    assert "identical in every seed to 1980" in text and "changes nothing" in text


def test_an_empty_variant_names_no_cause_and_no_divergence(tmp_path):
    base, variant = worlds(write_variant(tmp_path, ""), 1960, (1,))
    chain = whatif.compare(base, variant).chain
    assert chain.identical
    assert "no input of the variant differs" in chain.table.iloc[0].text


def test_the_report_opens_with_the_chain_and_chain_csv_has_the_documented_columns(tmp_path):
    base, variant = worlds("conservative_1985", 1992)
    where, comparison = whatif.write_comparison(base, variant, "A conservative", "test", tmp_path / "cmp", {},
                                                tables=False)  # fmt: skip
    report = (where / "report.md").read_text(encoding="utf-8")
    head, found, rest = report.partition("## Whose fate changes")
    assert found and "common random numbers" in rest
    assert head.startswith("# What if: A conservative\n\nThe changed cause: 1985 SUN leader")
    for sentence in ch.chain_sentences(comparison.chain):
        assert sentence in head
    assert "## The chain from the cause to the outcome" in head and "| 1 | cause | 1985 | SUN | leader |" in head
    assert "non_communist" not in head, "names of the vocabulary are written in words"
    chain = pd.read_csv(where / "chain.csv", keep_default_na=False)
    assert tuple(chain.columns) == ch.CHAIN_COLUMNS
    assert list(chain.step) == list(range(1, len(chain) + 1))
    assert set(chain.role) <= {"cause", "first_divergence", "link", "outcome", "no_divergence"}
    assert tuple(pd.read_csv(where / "divergences.csv").columns) == ch.DIVERGENCE_COLUMNS
    assert set(pd.read_csv(where / "first_divergence.csv").columns) >= {"seed", "year", "what"}


def test_outcomes_are_the_states_whose_fate_differs():
    base, variant = worlds("conservative_1985", 1992)
    comparison = whatif.compare(base, variant)
    outcome = comparison.chain.rows("outcome")
    moved = comparison.shift_summary[comparison.shift_summary.share_changed >= ch.LINK_SHARE]
    assert set(moved.code) <= set(outcome.state)
    for r in outcome.itertuples():
        assert r.text.startswith(f"{r.state}: ") and f"/{len(SEEDS)} seeds" in r.text


# -- the pieces ----------------------------------------------------------------------------------------------------


def test_causes_name_removed_events_parameters_and_schedules_with_old_and_new_values(tmp_path):
    base = load("historical")
    kept = ch.causes(base, load_variant("khrushchev_kept").apply(base))
    assert [(c.year, c.state, c.kind) for c in kept] == [(1964, "SUN", "leader")]
    assert kept[0].text == "1964 SUN leader: conservative (Brezhnev) removed"
    body = ("[parameters.members]\nbelief_erosion = 0.02\n"
            '[[schedules]]\nvariable = "tolerance"\npoints = [[1917, 0.2], [1970, 0.6]]\ninterpolation = "step"\n'
            '[[add_events]]\nyear = 1970\nkind = "leader"\nstate = "CSK"\nvalue = "reformer"\n')  # fmt: skip
    found = {c.kind: c for c in ch.causes(base, load_variant(write_variant(tmp_path, body)).apply(base))}
    old = base.spec.parameter_values()["belief_erosion"]
    assert found["parameter"].baseline == f"{old:g}" and found["parameter"].variant == "0.02"
    assert "belief_erosion" in found["parameter"].text and found["parameter"].year == base.spec.scenario.start_year
    assert found["schedule"].text.startswith("schedule of tolerance changed from ")
    assert found["leader"].text == "1970 CSK leader: reformer added"


def _events(rows):
    columns = ["seed", "year", "code", "kind", "text", "from_status", "to_status", "features_lost", "features_gained"]
    return pd.DataFrame([(*r, "", "", "", "") if len(r) == 5 else r for r in rows], columns=columns)


def test_events_are_matched_on_year_state_kind_and_a_text_without_its_numbers():
    base = _events([(1, 1980, "AAA", "crisis", "1980 AAA mass protest (public dissent 0.61)"),
                    (1, 1981, "AAA", "concession", "1981 AAA the party concedes"),
                    (1, 1982, "AAA", "leader", "1982 AAA a reformer leader takes over"),
                    (2, 1983, "BBB", "crackdown", "1983 BBB crackdown silences the protest")])  # fmt: skip
    other = _events([(1, 1980, "AAA", "crisis", "1980 AAA mass protest (public dissent 0.75)"),
                     (1, 1982, "AAA", "leader", "1982 AAA a conservative leader takes over"),
                     (2, 1990, "BBB", "crackdown", "1990 BBB crackdown silences the protest")])  # fmt: skip
    found = ch.event_divergences(base, other)
    assert tuple(found.columns) == ch.DIVERGENCE_COLUMNS
    got = {(r.seed, r.year, r.kind, r.world) for r in found.itertuples()}
    assert got == {(1, 1981, "concession", "baseline only"), (1, 1982, "leader", "changed"),
                   (2, 1983, "crackdown", "baseline only"), (2, 1990, "crackdown", "variant only")}  # fmt: skip
    groups = ch._event_groups(found, 2).set_index("kind")
    assert groups.loc["crackdown", "world"] == "moved" and groups.loc["crackdown", "variant_years"] == "1990"


def test_status_names_are_written_in_words():
    assert ch.words("communist -> non_communist") == "communist -> non-communist"
    assert ch.words("rival_centre, party_rule") == "rival centre, party rule"


@pytest.mark.parametrize("name", ["khrushchev_kept"])
def test_the_new_variant_changes_one_dated_cause(name):
    base = load("historical")
    assert len(ch.causes(base, load_variant(name).apply(base))) == 1
