"""The historical ensemble: pattern and judgement checks, comparisons with real figures, and a report.

``sim history`` runs the historical scenario for many seeds (and the pattern-2 counterfactual with the same seeds),
then writes ``results/historical/ensemble-s<seed>-n<N>/``: ``report.md``, the checks (``checks.csv``), each
state's status bands over seeds (``status_bands.csv``), the distribution of status-change years
(``change_years.csv``), membership and vote-share comparisons with ``sim/data/history/party_stats.csv``
(``membership.csv``, ``votes.csv``), figures (PNG), and the stacked tables of every replicate (Parquet).

Every check is a function of the ensemble and states a rate; the tests (``tests/test_history.py``) call the same
functions on a few seeds in CI and on the whole ensemble on demand.
"""

from __future__ import annotations

import math
import textwrap
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim import patterns as pat
from sim.ensemble import Ensemble
from sim.output import STATUS_COLOURS
from sim.resources import HISTORY_DIR

HISTORY_INPUTS = HISTORY_DIR  # the historical inputs shipped in the package (sim/data/history/README.md)
PARTY_STATS = HISTORY_INPUTS / "party_stats.csv"
COUNTERFACTUAL = "brezhnev_doctrine_holds"
CASCADE_END = 1991  # pattern 1: the bloc states fall "within two years" of hegemony's fall (1989)
STATUS_RGB = {s: tuple(int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)) for s, c in STATUS_COLOURS.items()}
ALLIES = ("VNM", "CUB", "LAO")  # own revolutions that stayed Soviet allies in the movement (J-ALLY)
SOVIET_YEARS = (1930, 1984)  # collectivisation to Gorbachev's accession: the USSR communist throughout (J-SUN)
RULING_PARTIES = tuple(
    f"{c}-CP"
    for c in ("SUN", "MNG", "ALB", "YUG", "BGR", "ROU", "HUN", "POL", "CSK", "DDR", "CHN", "PRK", "VNM", "CUB")
)


@dataclass
class Check:
    """One pattern or judgement, measured on an ensemble."""

    id: str
    title: str
    requirement: str
    value: float
    passed: bool
    detail: str = ""

    def row(self) -> dict[str, object]:
        """As a table row."""
        return {
            "id": self.id,
            "title": self.title,
            "requirement": self.requirement,
            "value": round(self.value, 3) if not math.isnan(self.value) else None,
            "passed": self.passed,
            "detail": self.detail,
        }


def _rate(values) -> float:
    values = list(values)
    return float(np.mean(values)) if values else float("nan")


def _at_least(check_id: str, title: str, values, threshold: float, detail: str = "") -> Check:
    rate = _rate(values)
    return Check(check_id, title, f"rate >= {threshold:g}", rate, bool(rate >= threshold), detail)


def _at_most(check_id: str, title: str, value: float, threshold: float, detail: str = "") -> Check:
    return Check(check_id, title, f"<= {threshold:g}", value, bool(value <= threshold), detail)


# -- the checks --------------------------------------------------------------------------------------------------


def check_cascade(ens: Ensemble) -> list[Check]:
    """Pattern 1: the 1989 cascade and the dissent around each fall."""
    outcomes = [pat.cascade(run["states"], pat.EUROPEAN_BLOC) for run in ens.runs]
    collapses = [c for o in outcomes for c in o.collapses]
    return [
        _at_least(
            "P1",
            "1989 cascade: >= 4 of POL, HUN, DDR, CSK, BGR, ROU fall by 1991",
            (o.count >= 4 for o in outcomes),
            0.9,
            f"falls per seed: {dict(sorted(Counter(o.count for o in outcomes).items()))}",
        ),
        _at_least(
            "P1b",
            "before each fall public dissent < 0.2 while private opposition > 0.5",
            (c.dissent_before < 0.2 and c.opposition_before > 0.5 for c in collapses),
            0.8,
            f"{len(collapses)} falls",
        ),
        _at_least(
            "P1c",
            "once mass protest starts, public dissent passes 0.5 within a year",
            (c.peak_after_start >= 0.5 for c in collapses),
            0.8,
        ),
    ]


def check_counterfactual(counterfactual: Ensemble | None) -> list[Check]:
    """Pattern 2: the same seeds with hegemony held at 0.9 (the ``brezhnev_doctrine_holds`` variant)."""
    if counterfactual is None:
        return []
    counts = [pat.cascade(run["states"], pat.EUROPEAN_BLOC).count for run in counterfactual.runs]
    return [
        _at_least(
            "P2",
            "hegemony held at 0.9: at most one of the six falls by 1991",
            (c <= 1 for c in counts),
            0.9,
            f"falls per seed: {dict(sorted(Counter(counts).items()))}",
        )
    ]


def check_acceleration(ens: Ensemble) -> list[Check]:
    """Pattern 3: later collapses in the sequence take less time, measured by the final protest wave's speed.

    Time within a year is the dissent cascade's round count (:func:`sim.patterns.acceleration`); collapses in the
    first year of each seed's sequence are compared with those of later years, pooled over the ensemble. The
    sequence is the cascade of pattern 1 (losses from 1980 to 1991); a regime that holds out a decade longer is not
    part of it.
    """
    first, later = [], []
    for run in ens.runs:
        seq = pat.acceleration(run["states"], since=1980, until=CASCADE_END)
        if not seq:
            continue
        y0 = seq[0][1]
        for _, year, lag, duration in seq:
            (first if year == y0 else later).append(duration - lag * 30)
    ratio = _rate(later) / _rate(first) if first and later and _rate(first) > 0 else float("nan")
    return [
        _at_most(
            "P3",
            "acceleration: the final protest wave of later collapses is faster (rounds, later / first)",
            ratio,
            0.7,
            f"first-year collapses {_rate(first):.1f} rounds (n={len(first)}), "
            f"later {_rate(later):.1f} (n={len(later)})",
        )
    ]


def check_reform_shocks(ens: Ensemble) -> list[Check]:
    """Pattern 4: the 1956 and 1968 reform shocks are reversed under high hegemony; the USSR's 1985 reform, under
    falling hegemony, goes through."""
    hun = [pat.reform_shock(run, "HUN", 1956) for run in ens.runs]
    csk = [pat.reform_shock(run, "CSK", 1968) for run in ens.runs]
    through = []
    for run in ens.runs:
        s = run["states"].set_index(["code", "year"]).loc["SUN"]
        intervened = pat.reform_shock(run, "SUN", 1985, window=5).intervened
        through.append(not intervened and not s.loc[1990, "f2"])
    return [
        _at_least(
            "P4a",
            "Hungary 1956: the reform is reversed within two years (intervention)",
            (o.intervened and o.reversed for o in hun),
            0.9,
        ),
        _at_least(
            "P4b",
            "Czechoslovakia 1968: the reform is reversed within two years (intervention)",
            (o.intervened and o.reversed for o in csk),
            0.9,
        ),
        _at_least(
            "P4c", "low hegemony: the Soviet reform of 1985 goes through (no reversal; F2 gone by 1990)", through, 0.9
        ),
    ]


def _median_years(per_seed: list[dict[str, int]]) -> dict[str, int]:
    codes = sorted({c for s in per_seed for c in s})
    return {c: int(np.median([s[c] for s in per_seed if c in s])) for c in codes}


def check_splits(ens: Ensemble) -> list[Check]:
    """Pattern 5: own-revolution parties break with Moscow by 1965; few installed parties do; and the judgement
    that Vietnam, Cuba and Laos, own revolutions kept by Soviet aid, stayed Moscow's allies (no split or expulsion in
    any year)."""
    own = [pat.splits(run["events"], pat.OWN_REVOLUTIONS, 1965) for run in ens.runs]
    installed = [pat.splits(run["events"], pat.INSTALLED, 1991) for run in ens.runs]
    allies = [pat.splits(run["events"], ALLIES, ens.scenario.spec.scenario.end_year) for run in ens.runs]
    return [
        _at_least(
            "P5a",
            "at least two of YUG, CHN, ALB break with Moscow by 1965",
            (len(s) >= 2 for s in own),
            0.9,
            f"median years: {_median_years(own)}",
        ),
        _at_least(
            "P5b",
            "at most two of eight installed parties ever break with Moscow",
            (len(s) <= 2 for s in installed),
            0.9,
            f"splits: {dict(Counter(c for s in installed for c in s))}",
        ),
        _at_least(
            "J-ALLY",
            "Vietnam, Cuba and Laos never break with Moscow",
            (not s for s in allies),
            0.7,
            f"seeds with a break: {dict(sorted(Counter(c for s in allies for c in s).items()))}; "
            f"median years: {_median_years(allies)}",
        ),
    ]


def check_autonomy(ens: Ensemble) -> list[Check]:
    """Pattern 6: states that do not rest on Soviet force survive 1991; the European bloc states do not."""
    ruled = [set(pat.ruled_in(run["states"], 1992)) for run in ens.runs]
    checks = [
        _at_least(
            "P6a",
            "CHN, VNM, CUB, PRK, LAO are communist or hybrid in 1992",
            (set(pat.AUTONOMOUS) <= r for r in ruled),
            0.8,
        )
    ]
    for code in pat.EUROPEAN_BLOC:
        checks.append(_at_least(f"P6-{code}", f"{code} is non_communist in 1992", (code not in r for r in ruled), 0.8))
    return checks


def check_elections(ens: Ensemble) -> list[Check]:
    """Pattern 7: electoral weakness in every free election of the ensemble."""
    results = [pat.electoral_weakness(run["elections"]) for run in ens.runs]
    n = sum(r.n for r in results)
    below = float(np.average([r.below_social_democrats for r in results if r.n], weights=[r.n for r in results if r.n]))
    lead = _rate(r.communists_lead for r in results)
    founding = [s for r in results for s in r.founding_shares]
    return [
        Check(
            "P7a",
            "Communists poll below social democrats",
            "rate >= 0.8",
            below,
            below >= 0.8,
            f"{n} elections with both",
        ),
        _at_most("P7b", "Communists are the largest list", lead, 0.1),
        _at_least(
            "P7c",
            "founding-election Communist shares between 5% and 25%",
            (0.05 <= s <= 0.25 for s in founding),
            0.5,
            f"{len(founding)} founding elections",
        ),
    ]


def check_generations(ens: Ensemble) -> list[Check]:
    """Pattern 8: generational decay in the ruling parties."""
    gens = [pat.generations(run, p) for run in ens.runs for p in RULING_PARTIES]
    late = [g.believers_late for g in gens if not math.isnan(g.believers_late)]
    corr = [g.careerism_control_corr for g in gens if not math.isnan(g.careerism_control_corr)]
    return [
        _at_least(
            "P8a",
            "recruits' belief falls cohort by cohort (negative trend over the rule)",
            (g.cohort_belief_slope < 0 for g in gens),
            0.8,
        ),
        _at_least(
            "P8b",
            "believers are a majority in the first decade of rule",
            (g.believers_first_decade > 0.5 for g in gens),
            0.8,
        ),
        _at_least("P8c", "believers are under 20% after forty years of rule", (b < 0.2 for b in late), 0.9),
        _at_least(
            "P8d", "recruits' careerism follows career control M*O (correlation > 0.3)", (c > 0.3 for c in corr), 0.8
        ),
    ]


def check_sticky_goal(ens: Ensemble) -> list[Check]:
    """Pattern 9: decades in which the leadership no longer believes yet the goal is declared."""
    counts = [sum(pat.sticky_goal_years(run["parties"], p) >= 20 for p in RULING_PARTIES) for run in ens.runs]
    return [
        _at_least(
            "P9",
            "at least three ruling parties spend 20+ years with disbelieving leaders declaring the goal",
            (c >= 3 for c in counts),
            0.8,
            f"parties per seed: {dict(sorted(Counter(counts).items()))}",
        )
    ]


def _median_start(spells: list[pat.HybridSpell]) -> str:
    starts = [s.start for s in spells if s.start is not None]
    return f"{np.median(starts):.0f}" if starts else "-"


def check_china(ens: Ensemble) -> list[Check]:
    """Pattern 10 and the judgement on China: a lasting hybrid that cuts shortage; a hybrid in the 2020s."""
    spells = [pat.hybrid_spell(run["states"], "CHN") for run in ens.runs]
    twenties = [
        (run["states"].query("code == 'CHN' and 2020 <= year <= 2029").status == "hybrid").all() for run in ens.runs
    ]
    return [
        _at_least(
            "P10",
            "China: market reform with the monopoly kept makes a hybrid lasting 30+ years that cuts shortage",
            (s.length >= 30 and s.shortage_during < s.shortage_before for s in spells),
            0.9,
            f"hybrid from (median) {_median_start(spells)}",
        ),
        _at_least("J-CHN", "China is a hybrid throughout the 2020s", twenties, 0.8),
    ]


def check_ussr(ens: Ensemble) -> list[Check]:
    """Pattern 11 and the chapter's judgements on the USSR: it left the category in 1989 (same leader, F2 before F1,
    the state going on), and it was the archetypal Communist system without interruption before that (J-SUN: every
    year 1930-1984, from collectivisation to Gorbachev's accession)."""
    exits = [pat.exit_of(run["states"], "SUN") for run in ens.runs]
    soviet = [
        run["states"].query("code == 'SUN' and @SOVIET_YEARS[0] <= year <= @SOVIET_YEARS[1]").set_index("year").status
        for run in ens.runs
    ]
    lapses = Counter(10 * (int(y) // 10) for s in soviet for y in s.index[s != "communist"])
    return [
        _at_least(
            "P11",
            "USSR: non_communist in 1989 under the same leader, the state going on, F2 before F1",
            (e.year == 1989 and e.same_leader and e.f2_first and e.state_lasts for e in exits),
            0.8,
            f"exit years: {dict(Counter(e.year for e in exits))}",
        ),
        _at_least(
            "J-SUN",
            f"the USSR is communist in every year {SOVIET_YEARS[0]}-{SOVIET_YEARS[1]}",
            ((s == "communist").all() and len(s) == SOVIET_YEARS[1] - SOVIET_YEARS[0] + 1 for s in soviet),
            0.8,
            f"seeds with a lapse: {sum((s != 'communist').any() for s in soviet)}; "
            f"non-communist seed-years by decade: {dict(sorted(lapses.items()))}",
        ),
    ]


def check_coherence(ens: Ensemble) -> list[Check]:
    """Pattern 12: Kornai coherence."""
    results = [pat.kornai_coherence(run) for run in ens.runs]
    spells = [s for r in results for s in r.spells]
    low = min(r.classical_min_shortage for r in results)
    return [
        Check(
            "P12a",
            "the classical configuration keeps shortage high (lowest shortage in it)",
            ">= 0.45",
            low,
            low >= 0.45,
        ),
        _at_least(
            "P12b",
            "reform socialism ends within 15 years (re-centralised, hybridised or transition)",
            (s.length <= 15 for s in spells),
            0.9,
            f"endings: {dict(Counter(s.ending for s in spells))}",
        ),
    ]


def check_judgements(ens: Ensemble) -> list[Check]:
    """The chapter's judgements on Latin America, Chile, Africa and the 2020s."""
    ever = [set(pat.ever_communist(run["states"])) for run in ens.runs]
    ruled = [pat.ruled_in(run["states"], 2025) for run in ens.runs]
    frequency = Counter(c for r in ruled for c in r)
    top5 = {c for c, _ in frequency.most_common(5)}
    return [
        _at_least(
            "J-LA",
            "Cuba is the only Latin American state ever classified communist",
            ("CUB" in e and not e & (set(pat.LATIN_AMERICA) - {"CUB"}) for e in ever),
            0.9,
        ),
        _at_least("J-CHL", "Chile 1970-73 is never communist", ("CHL" not in e for e in ever), 1.0),
        _at_least(
            "J-AFR", "no African state is ever classified communist", (not e & set(pat.AFRICA) for e in ever), 1.0
        ),
        _at_least(
            "J-2025",
            "five states are Communist-ruled (communist or hybrid) in 2025",
            (len(r) == 5 for r in ruled),
            0.5,
            f"counts: {dict(sorted(Counter(len(r) for r in ruled).items()))}; "
            f"most often ruled: {dict(frequency.most_common(7))}",
        ),
        Check(
            "J-2025b",
            "the five most often ruled in 2025 are CHN, VNM, CUB, PRK, LAO",
            "same set",
            float(top5 == set(pat.AUTONOMOUS)),
            top5 == set(pat.AUTONOMOUS),
            ", ".join(sorted(top5)),
        ),
    ]


CHECKS: tuple[Callable[[Ensemble], list[Check]], ...] = (
    check_cascade,
    check_acceleration,
    check_reform_shocks,
    check_splits,
    check_autonomy,
    check_elections,
    check_generations,
    check_sticky_goal,
    check_china,
    check_ussr,
    check_coherence,
    check_judgements,
)


def all_checks(ens: Ensemble, counterfactual: Ensemble | None = None) -> list[Check]:
    """Every pattern and judgement check, in the order of MODEL.md section 4."""
    checks: list[Check] = []
    for fn in CHECKS:
        checks += fn(ens)
        if fn is check_cascade:
            checks += check_counterfactual(counterfactual)
    return checks


# -- comparisons with party_stats.csv ------------------------------------------------------------------------------

MEMBERSHIP_SERIES = {"SUN-CP": ("USSR", "CPSU"), "CHN-CP": ("China", "Chinese Communist Party")}
VOTE_SERIES = {
    # state: (country, Communist party names, social-democratic party names, sim party codes)
    "ITA": ("Italy", ("PCI",), ("PSI", "PSDI", "PSU (unified PSI+PSDI)", "PSIUP (Socialists)")),
    "FRA": ("France", ("PCF",), ("SFIO (Socialists)", "PS (Socialist Party)")),
    "GBR": ("United Kingdom", ("Communist Party of Great Britain (CPGB)",), ("Labour Party",)),
    "DEU": ("West Germany", ("KPD (Communist Party of Germany)",), ("SPD",)),
}
NOT_MODELLED = {"CHN-CP": 1945}  # the CCP's underground growth before 1945 is not modelled (it starts at its 1945 size)


def party_stats(path: Path = PARTY_STATS) -> pd.DataFrame:
    """The real figures, with numeric ``figure`` (ranges such as ``3600000-4000000`` take their midpoint)."""
    real = pd.read_csv(path)

    def number(text: str) -> float:
        parts = [float(p) for p in str(text).split("-") if p.strip()]
        return float(np.mean(parts)) if parts else float("nan")

    real["value"] = real.figure.map(number)
    real["year"] = pd.to_numeric(real.year, errors="coerce")
    return real.dropna(subset=["year", "value"])


def membership_comparison(ens: Ensemble, real: pd.DataFrame) -> pd.DataFrame:
    """Simulated (median, 10th and 90th percentiles over seeds) against real membership, with the error."""
    parties = ens.table("parties")
    rows = []
    for code, (country, name) in MEMBERSHIP_SERIES.items():
        sim = parties[parties.code == code].groupby("year").members
        med, lo, hi = sim.median(), sim.quantile(0.1), sim.quantile(0.9)
        r = real[
            (real.country == country) & (real.measure == "membership") & real.party.str.contains(name, regex=False)
        ]
        for year, group in r.groupby("year"):
            year = int(year)
            if year not in med.index:
                continue
            value = float(group.value.mean())
            modelled = year >= NOT_MODELLED.get(code, 0)
            rows.append({
                "party": code, "year": year, "real": value, "sim_median": float(med[year]), "sim_p10": float(lo[year]),
                "sim_p90": float(hi[year]), "ratio": float(med[year]) / value,
                "log_error": abs(math.log(float(med[year]) / value)), "modelled": modelled,
            })  # fmt: skip
    return pd.DataFrame(rows)


def vote_comparison(ens: Ensemble, real: pd.DataFrame) -> pd.DataFrame:
    """Simulated Communist and social-democratic shares in the nearest election (within 2 years) against real."""
    elections = ens.table("elections")
    rows = []
    for code, (country, communists, social_democrats) in VOTE_SERIES.items():
        sim = elections[elections.code == code]
        shares = real[(real.country == country) & real.measure.str.startswith("vote_share")]
        for year, group in shares.groupby("year"):
            year = int(year)
            per_party = group.groupby("party").value.mean()  # a year with two elections counts once
            com = per_party[per_party.index.isin(communists)]
            sd = per_party[per_party.index.isin(social_democrats)]
            if com.empty:
                continue
            near = sim[(sim.year - year).abs() <= 2]
            if near.empty:
                continue
            nearest = near.loc[(near.year - year).abs() == (near.year - year).abs().min()]
            rows.append({
                "state": code, "year": year, "sim_year": int(nearest.year.iloc[0]),
                "real_communist": float(com.mean()) / 100, "sim_communist": float(nearest.communist.median()),
                "real_social_democratic": float(sd.sum()) / 100 if not sd.empty else float("nan"),
                "sim_social_democratic": float(nearest.social_democratic.median()),
            })  # fmt: skip
    out = pd.DataFrame(rows)
    if not out.empty:
        out["communist_error"] = out.sim_communist - out.real_communist
        out["sd_error"] = out.sim_social_democratic - out.real_social_democratic
    return out


# -- bands and change years -------------------------------------------------------------------------------------------


def status_bands(ens: Ensemble) -> pd.DataFrame:
    """Share of seeds in each status, per state and year."""
    states = ens.table("states")
    counts = states.groupby(["code", "year", "status"]).size().unstack(fill_value=0)
    for status in STATUS_RGB:
        if status not in counts:
            counts[status] = 0
    shares = counts[list(STATUS_RGB)].div(counts.sum(axis=1), axis=0)
    return shares.reset_index()


def change_year_summary(states: pd.DataFrame, n_seeds: int) -> pd.DataFrame:
    """For each state and kind of change (its first occurrence per seed): seeds with it, median, 10th-90th."""
    from sim.output import first_changes

    first = first_changes(states)
    summary = first.groupby(["code", "from_status", "to_status"]).year.agg(
        seeds="count", median="median", p10=lambda y: y.quantile(0.1), p90=lambda y: y.quantile(0.9)
    )
    summary["share_of_seeds"] = summary.seeds / n_seeds
    return summary.reset_index().sort_values(["median", "code"])


# -- the report --------------------------------------------------------------------------------------------------


def _status_colour_grid(bands: pd.DataFrame, codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    years = np.sort(bands.year.unique())
    grid = np.zeros((len(codes), len(years), 3))
    index = {c: i for i, c in enumerate(codes)}
    col = {y: j for j, y in enumerate(years)}
    for row in bands.itertuples():
        if row.code not in index:
            continue
        rgb = sum(np.array(STATUS_RGB[s]) * getattr(row, s) for s in STATUS_RGB)
        grid[index[row.code], col[row.year]] = rgb
    return grid, years


def write_figures(
    ens: Ensemble, bands: pd.DataFrame, changes: pd.DataFrame, membership: pd.DataFrame, votes: pd.DataFrame, out: Path
) -> list[str]:
    """The figures a historian reads first. Returns their file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from sim.output import save_figure

    files: list[str] = []
    codes = [s.code for s in ens.scenario.spec.states]
    names = {s.code: s.name.split(" (")[0] for s in ens.scenario.spec.states}
    n = len(ens.seeds)

    # 1. status bands: colour mixes the shares of seeds in each status
    grid, years = _status_colour_grid(bands, codes)
    fig, ax = plt.subplots(figsize=(13, 0.28 * len(codes) + 1.6))
    ax.imshow(
        grid, aspect="auto", interpolation="nearest", extent=(years[0] - 0.5, years[-1] + 0.5, len(codes) - 0.5, -0.5)
    )
    ax.set_yticks(range(len(codes)), [f"{c}  {names[c][:24]}" for c in codes], fontsize=8)
    ax.set_xlabel("year")
    ax.set_title(f"Status of each state over {n} seeds (colour mixes the shares of seeds in each status)")
    ax.legend(handles=[Patch(color=c, label=s.replace("_", "-")) for s, c in STATUS_RGB.items()], loc="lower left",
              fontsize=8, ncol=3, framealpha=0.9)  # fmt: skip
    ax.grid(axis="x", alpha=0.3)
    save_figure(fig, out / "status_bands.png", files)

    # 2. number of states in each status: median and 10-90% band
    model = ens.table("model")
    fig, ax = plt.subplots(figsize=(11, 4))
    for status, colour in STATUS_RGB.items():
        g = model.groupby("year")[status]
        med = g.median()
        ax.plot(
            med.index,
            med.values,
            color=colour if status != "non_communist" else "#7f8c8d",
            lw=2,
            label=status.replace("_", "-"),
        )
        ax.fill_between(med.index, g.quantile(0.1).values, g.quantile(0.9).values, color=colour, alpha=0.25)
    ax.set_ylabel("states")
    ax.set_title(f"States in each status: median and 10-90% band over {n} seeds")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    save_figure(fig, out / "status_counts.png", files)

    # 3. year each state first left the communist status (the spread over seeds)
    exits = (
        changes[(changes.from_status == "communist")]
        .sort_values("year")
        .groupby(["seed", "code"])
        .year.first()
        .reset_index()
    )
    order = exits.groupby("code").year.median().sort_values().index.tolist()
    if order:
        fig, ax = plt.subplots(figsize=(11, 0.3 * len(order) + 1.5))
        data = [exits[exits.code == c].year.values for c in order]
        ax.boxplot(data, orientation="horizontal", whis=(10, 90), showfliers=True, widths=0.6)
        ax.set_yticks(
            range(1, len(order) + 1), [f"{c} ({len(d)}/{n})" for c, d in zip(order, data, strict=True)], fontsize=8
        )
        ax.axvline(1989, color="#b3261e", ls="--", lw=1)
        ax.text(1989.5, 0.6, "1989", color="#b3261e", fontsize=8)
        ax.set_xlabel(
            "year the state first left the communist status (box 25-75%, whiskers 10-90%; seeds with an exit)"
        )
        ax.set_title("When each state stopped being communist")
        ax.grid(axis="x", alpha=0.3)
        save_figure(fig, out / "exit_years.png", files)

    # 4. membership against the real figures
    parties = ens.table("parties")
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for ax, (code, (country, _)) in zip(axes, MEMBERSHIP_SERIES.items(), strict=True):
        g = parties[parties.code == code].groupby("year").members
        med = g.median() / 1e6
        ax.plot(med.index, med.values, color="#b3261e", lw=2, label="simulated (median)")
        low, high = g.quantile(0.1).values / 1e6, g.quantile(0.9).values / 1e6
        ax.fill_between(med.index, low, high, color="#b3261e", alpha=0.2, label="10-90% of seeds")  # fmt: skip
        r = membership[membership.party == code]
        ax.scatter(r.year, r.real / 1e6, color="black", s=18, zorder=3, label="real (party_stats.csv)")
        ax.set_title(f"{country}: party membership")
        ax.set_ylabel("millions")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, frameon=False)
    save_figure(fig, out / "membership.png", files)

    # 5. vote shares against the real figures
    elections = ens.table("elections")
    fig, axes = plt.subplots(2, 2, figsize=(12, 7), sharex=True)
    for ax, (code, (country, *_)) in zip(axes.ravel(), VOTE_SERIES.items(), strict=True):
        e = elections[elections.code == code].groupby("year")
        ax.plot(
            e.communist.median().index,
            100 * e.communist.median().values,
            color="#b3261e",
            lw=2,
            label="Communists (sim)",
        )
        ax.plot(e.social_democratic.median().index, 100 * e.social_democratic.median().values, color="#2e86c1", lw=2,
                label="social democrats (sim)")  # fmt: skip
        v = votes[votes.state == code]
        ax.scatter(
            v.year,
            100 * v.real_communist,
            color="#b3261e",
            edgecolor="black",
            s=22,
            zorder=3,
            label="Communists (real)",
        )
        ax.scatter(v.year, 100 * v.real_social_democratic, color="#2e86c1", edgecolor="black", s=22, zorder=3,
                   label="social democrats (real)")  # fmt: skip
        ax.set_title(country)
        ax.set_ylabel("% of votes")
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8, frameon=False)
    fig.suptitle("Free elections: simulated (median over seeds) and real shares")
    save_figure(fig, out / "votes.png", files)
    return files


def report_markdown(
    ens: Ensemble,
    checks: list[Check],
    summary: pd.DataFrame,
    membership: pd.DataFrame,
    votes: pd.DataFrame,
    figures: list[str],
) -> str:
    """The report's text."""
    n = len(ens.seeds)
    passed = sum(c.passed for c in checks)
    lines = [
        f"# {ens.scenario.spec.scenario.title}: ensemble of {n} seeds ({ens.seeds[0]}-{ens.seeds[-1]})",
        "",
        f"{passed} of {len(checks)} pattern and judgement checks pass. Patterns are the twelve patterns of the "
        "project's design notes, listed in section 1 of the model description (docs/ODD.md); judgements are those of "
        "Archie Brown, *The Rise and Fall of Communism* (2009), chapter 2. Pattern 2 is measured on the "
        "`brezhnev_doctrine_holds` variant with the same seeds.",
        "",
        "| check | what | required | measured | | detail |",
        "|---|---|---|---|---|---|",
    ]
    for c in checks:
        value = "" if math.isnan(c.value) else f"{c.value:.3g}"
        lines.append(
            f"| {c.id} | {c.title} | {c.requirement} | {value} | {'pass' if c.passed else '**FAIL**'} | {c.detail} |"
        )
    lines += ["", "## Figures", ""] + [f"![{f}]({f})" for f in figures]
    lines += ["", "## Status changes (first occurrence per seed)", "",
              "| state | change | seeds | median year | 10-90% |", "|---|---|---|---|---|"]  # fmt: skip
    for r in summary.itertuples():
        lines.append(
            f"| {r.code} | {r.from_status} -> {r.to_status} | {r.seeds}/{n} | {r.median:.0f} | "
            f"{r.p10:.0f}-{r.p90:.0f} |"
        )
    lines += ["", "## Party membership against party_stats.csv", ""]
    if not membership.empty:
        for party, m in membership.groupby("party"):
            modelled = m[m.modelled]
            lines.append(
                f"{party}: median |log error| {modelled.log_error.median():.2f} over {len(modelled)} figures "
                f"(simulated / real from {modelled.ratio.min():.2f} to {modelled.ratio.max():.2f})"
                + (f"; {len(m) - len(modelled)} earlier figures not modelled" if len(m) > len(modelled) else "")
            )
        lines += ["", "| party | year | real | simulated (median) | 10-90% | ratio |", "|---|---|---|---|---|---|"]
        for r in membership.itertuples():
            flag = "" if r.modelled else " (not modelled)"
            lines.append(
                f"| {r.party} | {r.year} | {r.real:,.0f} | {r.sim_median:,.0f} | {r.sim_p10:,.0f}-{r.sim_p90:,.0f} | "
                f"{r.ratio:.2f}{flag} |"
            )
    lines += ["", "## Free elections against party_stats.csv", ""]
    if not votes.empty:
        for state, v in votes.groupby("state"):
            lines.append(
                f"{state}: Communist share mean absolute error {100 * v.communist_error.abs().mean():.1f} points over "
                f"{len(v)} elections; social-democratic {100 * v.sd_error.abs().mean():.1f} points"
            )
        lines += ["", "| state | year | Communists real | simulated | social democrats real | simulated |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        for r in votes.itertuples():
            sd_real = "" if math.isnan(r.real_social_democratic) else f"{100 * r.real_social_democratic:.1f}"
            lines.append(
                f"| {r.state} | {r.year} | {100 * r.real_communist:.1f} | {100 * r.sim_communist:.1f} | {sd_real} | "
                f"{100 * r.sim_social_democratic:.1f} |"
            )
    lines += [
        "",
        "Notes: the voters' pluralism preference of the western democracies is calibrated to their first post-war "
        "election only; every other election is out of sample. The model has three lists (Communists, social "
        "democrats, the rest), so social-democratic shares, which in reality shared the left with other parties, "
        "run high. The CCP's underground growth before 1945 is not modelled.",
    ]
    return "\n".join(lines) + "\n"


def write_history(
    ens: Ensemble, counterfactual: Ensemble | None, out: Path, command: list[str] | None = None
) -> tuple[Path, list[Check]]:
    """Write the whole report to ``out`` (atomically: a temporary folder renamed at the end)."""
    from sim.output import atomic_dir, run_metadata, status_change_table, write_json, write_parquet
    from sim.runner import TABLES, RunResult

    with atomic_dir(out) as tmp:
        tables = {name: ens.table(name) for name in TABLES}
        checks = all_checks(ens, counterfactual)
        bands = status_bands(ens)
        changes = status_change_table(tables["states"])  # every status change of every state in every seed
        summary = change_year_summary(tables["states"], len(ens.seeds))
        real = party_stats()
        membership = membership_comparison(ens, real)
        votes = vote_comparison(ens, real)
        pd.DataFrame([c.row() for c in checks]).to_csv(tmp / "checks.csv", index=False)
        bands.to_csv(tmp / "status_bands.csv", index=False)
        summary.to_csv(tmp / "change_years.csv", index=False)
        membership.to_csv(tmp / "membership.csv", index=False)
        votes.to_csv(tmp / "votes.csv", index=False)
        for name, frame in tables.items():
            write_parquet(frame, tmp / f"{name}.parquet")
        figures = write_figures(ens, bands, changes, membership, votes, tmp)
        (tmp / "report.md").write_text(
            report_markdown(ens, checks, summary, membership, votes, figures), encoding="utf-8"
        )
        end = ens.scenario.spec.scenario.end_year
        meta = run_metadata(RunResult(ens.scenario, ens.seeds[0], len(ens.seeds), end, {}, tables), command)
        meta["counterfactual"] = COUNTERFACTUAL if counterfactual is not None else None
        meta["checks_passed"] = sum(c.passed for c in checks)
        meta["checks"] = len(checks)
        write_json(meta, tmp / "metadata.json")
    return out, checks


def _state_years(years: dict[str, list[int]]) -> list[tuple[int, str, int]]:
    """(median year, code, seeds) for each state, in the order of the years."""
    rows = [(int(np.median(ys)), code, len(ys)) for code, ys in years.items() if ys]
    return sorted(rows)


def _wrap(label: str, items: list[str], width: int = 100) -> list[str]:
    """``label`` then the items, wrapped to ``width`` with a hanging indent."""
    lines, line = [], f"  {label}"
    for item in items:
        if len(line) + len(item) + 2 > width:
            lines.append(line.rstrip(","))
            line = " " * (len(label) + 2)
        line += f" {item},"
    lines.append(line.rstrip(","))
    return lines


def _spell(year: int, code: str, seeds: int, n: int) -> str:
    return f"{code} {year}" + ("" if seeds == n else f" ({seeds}/{n})")


def terminal_summary(ens: Ensemble, checks: list[Check], where: Path) -> str:
    """What ``sim history`` prints: what happened first (entries, the cascade, the other exits, the survivors),
    then the count of checks that pass, the failing ones, and a legend.

    Years are medians over the seeds in which the event happens; ``(k/N)`` says in how many of the N seeds it does
    when not in all.
    """
    n = len(ens.seeds)
    states = ens.table("states")
    entries: dict[str, list[int]] = {}
    exits: dict[str, list[int]] = {}
    for run in ens.runs:
        s = run["states"]
        for code, year in s[s.status == "communist"].groupby("code").year.min().items():
            entries.setdefault(code, []).append(int(year))
        for code in s.code.unique():
            exit_year = pat.exit_of(s, code).year
            if exit_year is not None:
                exits.setdefault(code, []).append(exit_year)
    cascade = {c: ys for c, ys in exits.items() if c in pat.EUROPEAN_BLOC}
    others = {c: ys for c, ys in exits.items() if c not in pat.EUROPEAN_BLOC}
    ruled = [pat.ruled_in(run["states"], 2025) for run in ens.runs]
    survivors = Counter(code for codes in ruled for code in codes)
    status_2025 = states[states.year == 2025].groupby("code").status.agg(lambda s: s.value_counts().index[0])
    passed = sum(c.passed for c in checks)
    lines = [
        f"{ens.scenario.spec.scenario.title}: {n} seeds ({ens.seeds[0]}-{ens.seeds[-1]}), "
        f"{states.code.nunique()} states, {states.year.min()}-{states.year.max()}; report: {where / 'report.md'}",
        "",
        "What happened (median year over the seeds):",
        *_wrap("Entries (first communist year):", [_spell(*r, n) for r in _state_years(entries)]),
        *_wrap("The cascade (the European bloc leaves):", [_spell(*r, n) for r in _state_years(cascade)] or ["none"]),
        *_wrap("Other exits:", [_spell(*r, n) for r in _state_years(others)] or ["none"]),
        *_wrap(
            f"Survivors in 2025 (median {np.median([len(r) for r in ruled]):.0f} states):",
            [
                f"{code} {status_2025.get(code, '?').replace('_', '-')}" + ("" if k == n else f" ({k}/{n})")
                for code, k in sorted(survivors.items(), key=lambda item: (-item[1], item[0]))
            ],
        ),
        "",
        f"checks: {passed}/{len(checks)} pass (report.md)",
    ]
    for c in checks:
        if not c.passed:
            value = "" if math.isnan(c.value) else f"{c.value:.3g}"
            lines.append(f"  FAIL {c.id}: {c.title} (measured {value}, required {c.requirement})")
    legend = (
        "legend: years are medians over the seeds where it happens, (k/N) = in k of the N seeds; communist = all six "
        "features hold, hybrid = monopoly and centralism hold but not all of the other four; checks P* are the "
        "patterns of the design notes (docs/ODD.md section 1), J-* the judgements of Brown (2009), ch. 2; "
        "report.md has every check with its requirement and value."
    )
    lines.append(textwrap.fill(legend, width=100, subsequent_indent="  "))
    return "\n".join(lines)
