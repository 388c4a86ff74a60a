"""The historical ensemble: pattern and judgement checks, comparisons with real figures, and a report.

``sim history`` runs the historical scenario for many seeds (and the pattern-2 counterfactual with the same seeds),
then writes ``results/historical/ensemble-s<seed>-n<N>/``: ``report.md``, the checks (``checks.csv``), each
state's status bands over seeds (``status_bands.csv``), the distribution of status-change years
(``change_years.csv``), membership and vote-share comparisons with ``sim/data/history/party_stats.csv``
(``membership.csv``, ``votes.csv``), figures (PNG), and the stacked tables of every replicate (Parquet).

The checks are the targets of ``sim/scenarios/targets/historical.toml``, measured by the engine of :mod:`sim.targets`;
the tests (``tests/test_history.py``) evaluate the same file on a few seeds in CI and on the whole ensemble on
demand.
"""

from __future__ import annotations

import math
import textwrap
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from sim import patterns as pat
from sim.ensemble import Ensemble
from sim.events import EVENT_PREFIX
from sim.palette import STATUS_COLOURS
from sim.resources import HISTORY_DIR
from sim.targets import BASELINE, Check, Targets, evaluate, load_targets

HISTORY_INPUTS = HISTORY_DIR  # the historical inputs shipped in the package (sim/data/history/README.md)
PARTY_STATS = HISTORY_INPUTS / "party_stats.csv"
PROTEST_WAVES = HISTORY_DIR.parent / "validation" / "protest_waves.csv"
"""The record of mass protests and interventions the report scores the model on (never read by the model)."""
TRANSITIONS = HISTORY_DIR.parent / "validation" / "transitions.csv"
"""The record of how the European bloc's regimes ended (never read by the model)."""
TRANSITION_KINDS = ("negotiated", "palace_coup", "crowds", "overthrown", "settlement", "from_above")
"""The kinds of transition :func:`transition_kinds` tells apart."""
CASCADE_TAG = "european_bloc"
"""The scenario tag of the states whose exits the terminal summary lists as the cascade."""
TARGETS = "historical"
"""The targets file of the checks (``sim/scenarios/targets/historical.toml``)."""
STATUS_RGB = {s: tuple(int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)) for s, c in STATUS_COLOURS.items()}


def counterfactual_ensemble(targets: Targets | None = None) -> tuple[str, int | None]:
    """The variant of pattern 2's counterfactual and the year it is run to, as the targets file declares them."""
    spec = (targets or load_targets(TARGETS)).spec.ensembles["counterfactual"]
    return spec.variant, spec.until


COUNTERFACTUAL = counterfactual_ensemble()[0]
"""The pattern-2 variant (``brezhnev_doctrine_holds``), from the targets file."""


def all_checks(ens: Ensemble, counterfactual: Ensemble | None = None, targets: str | Targets = TARGETS) -> list[Check]:
    """Every target of the historical targets file measured on the ensemble (pattern 2 on ``counterfactual``;
    left out without it), in the file's order (MODEL.md section 4, then the judgements)."""
    loaded = targets if isinstance(targets, Targets) else load_targets(targets)
    runs = {BASELINE: ens.runs, "counterfactual": counterfactual.runs if counterfactual is not None else None}
    return evaluate(loaded, runs, scenario=ens.scenario)


# -- comparisons with party_stats.csv ------------------------------------------------------------------------------

MEMBERSHIP_SERIES = {"SUN-CP": ("USSR", "CPSU"), "CHN-CP": ("China", "Chinese Communist Party")}
"""The two long membership series drawn in ``membership.png`` (every row is compared in ``membership.csv``)."""
VOTE_SERIES = {
    # state: (country, Communist party names, social-democratic party names): the four drawn in votes.png
    "ITA": ("Italy", ("PCI",), ("PSI", "PSDI", "PSU (unified PSI+PSDI)", "PSIUP (Socialists)")),
    "FRA": ("France", ("PCF",), ("SFIO (Socialists)", "PS (Socialist Party)")),
    "GBR": ("United Kingdom", ("Communist Party of Great Britain (CPGB)",), ("Labour Party",)),
    "DEU": ("West Germany", ("KPD (Communist Party of Germany)",), ("SPD",)),
}
NOT_MODELLED = {"CHN-CP": 1945}  # the CCP's underground growth before 1945 is not modelled (it starts at its 1945 size)
PARTY_STATS_ADDED = HISTORY_INPUTS / "party_stats_added.csv"
"""Figures the project added to the shared ``party_stats.csv`` (sim/data/history/README.md), with their sources."""
COUNTRY_STATE = {
    "USSR": "SUN", "China": "CHN", "Hungary": "HUN", "North Korea": "PRK", "Albania": "ALB", "East Germany": "DDR",
    "Romania": "ROU", "Vietnam": "VNM", "Vietnam (North)": "VNM", "Laos": "LAO", "Italy": "ITA", "France": "FRA",
    "United Kingdom": "GBR", "West Germany": "DEU", "Czechoslovakia": "CSK", "Nicaragua": "NIC", "Bulgaria": "BGR",
    "Mongolia": "MNG", "Poland": "POL", "Angola": "AGO",
}  # fmt: skip
"""The state of the historical scenario each country of the real figures is."""
COMMUNIST_FAMILIES = frozenset({"communist_ruling", "communist_nonruling", "communist", "communist_successor",
                                "disputed_case_ruling", "afro_marxist_ruling"})  # fmt: skip
"""The party families of ``party_stats.csv`` the model's Communist party stands for."""
MEMBERSHIP_TOLERANCE = 1.5
"""A simulated membership within this factor of the real figure counts as within tolerance."""
VOTE_TOLERANCE = 0.05
"""A simulated vote share within this many points (as a share) of the real one counts as within tolerance."""


def fitted_to(row) -> str:
    """The parameter a real figure was used to set, or "" (an out-of-sample figure): the CPSU's membership 1921-1989
    and the CCP's 1949-2021 set ``apparatus_years`` (the CPSU's of 1971 also ``membership_ceiling``), the PCI's and
    the PCF's ``nonruling_membership``; a western democracy's first post-war election its voters' pluralism
    preference (``voter_pluralism`` of its state, ODD section 8)."""
    if row.measure == "membership":
        if row.country == "USSR" and 1921 <= row.year <= 1989:
            return "apparatus_years" + (", membership_ceiling" if row.year == 1971 else "")
        if row.country == "China" and 1949 <= row.year <= 2021:
            return "apparatus_years"
        if row.country in ("Italy", "France") and row.party_family == "communist_nonruling":
            return "nonruling_membership"
        return ""
    first_postwar = {"Italy": 1946, "France": 1945, "United Kingdom": 1945, "West Germany": 1949}
    return "voter_pluralism" if first_postwar.get(row.country) == row.year else ""


def party_stats(path: Path = PARTY_STATS, added: Path | None = PARTY_STATS_ADDED) -> pd.DataFrame:
    """The real figures of ``path`` and of the project's ``added`` ones, with numeric ``figure`` (ranges such as
    ``3600000-4000000`` take their midpoint)."""
    real = pd.concat([pd.read_csv(p) for p in (path, added) if p is not None], ignore_index=True)

    def number(text: str) -> float:
        parts = [float(p) for p in str(text).split("-") if p.strip()]
        return float(np.mean(parts)) if parts else float("nan")

    real["value"] = real.figure.map(number)
    real["year"] = pd.to_numeric(real.year, errors="coerce")
    return real.dropna(subset=["year", "value"])


def membership_comparison(ens: Ensemble, real: pd.DataFrame) -> pd.DataFrame:
    """Every membership figure of a Communist party the model has (its state's ``-CP`` party in a simulated year
    with members): simulated median, 10th and 90th percentiles over seeds against the real figure, the ratio, the
    log error, whether it is within ``MEMBERSHIP_TOLERANCE``, and the parameter it was used to set (``fitted``,
    :func:`fitted_to`; "" out of sample)."""
    parties = ens.table("parties")
    rows = []
    figures = real[(real.measure == "membership") & real.party_family.isin(COMMUNIST_FAMILIES)]
    for r in figures.itertuples():
        state = COUNTRY_STATE.get(r.country)
        if state is None:
            continue
        code, year = f"{state}-CP", int(r.year)
        sim = parties[(parties.code == code) & (parties.year == year)].members
        if sim.empty or sim.median() <= 0:
            continue
        med = float(sim.median())
        rows.append({
            "party": code, "name": r.party, "family": r.party_family, "year": year, "real": float(r.value),
            "sim_median": med, "sim_p10": float(sim.quantile(0.1)), "sim_p90": float(sim.quantile(0.9)),
            "ratio": med / float(r.value), "log_error": abs(math.log(med / float(r.value))),
            "within": 1 / MEMBERSHIP_TOLERANCE <= med / float(r.value) <= MEMBERSHIP_TOLERANCE,
            "modelled": year >= NOT_MODELLED.get(code, 0), "fitted": fitted_to(r),
        })  # fmt: skip
    columns = ["party", "name", "family", "year", "real", "sim_median", "sim_p10", "sim_p90", "ratio", "log_error",
               "within", "modelled", "fitted"]  # fmt: skip
    out = pd.DataFrame(rows, columns=columns)
    return out.groupby(["party", "year"], as_index=False).first() if not out.empty else out  # one figure a year


def vote_comparison(ens: Ensemble, real: pd.DataFrame) -> pd.DataFrame:
    """Every free election of ``party_stats.csv`` (and the added figures) with a Communist list, against the
    nearest simulated election in its state (within 2 years): the Communist and social-democratic shares (the
    largest Communist figure of the year, a combined list rather than its parts; the social-democratic lists
    summed), whether the Communists won it (no: a listed rival polled more; yes: they polled more than half, or more
    than every listed rival where the record lists at least 80% of the vote; otherwise unknown), the share of seeds
    in which they lead the simulated one, and the parameter it was used to set."""
    elections = ens.table("elections")
    rows = []
    shares = real[real.measure.str.startswith("vote_share")]
    for (country, year), group in shares.groupby(["country", "year"]):
        state, year = COUNTRY_STATE.get(country), int(year)
        per_party = group.groupby(["party", "party_family"]).value.mean().reset_index()  # two elections count once
        com = per_party[per_party.party_family.isin(COMMUNIST_FAMILIES)]
        sd = per_party[per_party.party_family == "social_democratic"]
        rivals = per_party[~per_party.party_family.isin(COMMUNIST_FAMILIES)]
        if state is None or com.empty:
            continue
        sim = elections[elections.code == state]
        near = sim[(sim.year - year).abs() <= 2]
        if near.empty:
            continue
        nearest = near[(near.year - year).abs() == (near.year - year).abs().min()]
        nearest = nearest[nearest.year == nearest.year.min()]
        others = nearest[["social_democratic", "other"]].fillna(0.0).max(axis=1)
        real_com = float(com.value.max()) / 100
        best_rival = float(rivals.value.max()) / 100 if not rivals.empty else 0.0
        covered = real_com + float(rivals.value.sum()) / 100  # the share of the vote the record lists
        won = False if best_rival > real_com else True if real_com > 0.5 or covered >= 0.8 else float("nan")
        rows.append({
            "state": state, "year": year, "sim_year": int(nearest.year.iloc[0]), "real_communist": real_com,
            "sim_communist": float(nearest.communist.median()),
            "real_social_democratic": float(sd.value.sum()) / 100 if not sd.empty else float("nan"),
            "sim_social_democratic": float(nearest.social_democratic.median()),
            "real_won": won, "sim_lead": float((nearest.communist > others).mean()),
            "founding": bool(nearest.founding.any()),
            "fitted": fitted_to(group.iloc[0]),
        })  # fmt: skip
    out = pd.DataFrame(rows)
    if not out.empty:
        out["communist_error"] = out.sim_communist - out.real_communist
        out["sd_error"] = out.sim_social_democratic - out.real_social_democratic
        out["within"] = out.communist_error.abs() <= VOTE_TOLERANCE
    return out


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


EMERGENT_KINDS = ("doctrine", "intervention", "split", "expulsion", "settlement", "breakup", "unification", "border",
                  "institution", "concession")  # fmt: skip
"""Event kinds whose rows the mechanisms produce (decisions and endings): the "what emerges" table of the report."""


def emergent_events(events: pd.DataFrame, n_seeds: int, after: int = 1945) -> pd.DataFrame:
    """Per kind of decided or emergent event (:data:`EMERGENT_KINDS`, after ``after``; the movement-wide rows, which
    dated institution events write, are left out), state and opening words of its text: the seeds in which it
    happens and the median year of its first occurrence (only what happens in at least half the seeds)."""
    e = events[events.kind.isin(EMERGENT_KINDS) & (events.year > after) & (events.code != "")].copy()  # "": dated
    if e.empty:
        return pd.DataFrame(columns=["kind", "code", "what", "seeds", "median", "p10", "p90"])
    text = e.text.str.replace(EVENT_PREFIX, "", regex=True)
    e["what"] = text.str.replace(r"[\d.,%()]+", "", regex=True).str.split().str[:7].str.join(" ")
    first = e.groupby(["kind", "code", "what", "seed"]).year.min().reset_index()
    out = first.groupby(["kind", "code", "what"]).year.agg(
        seeds="size", median="median", p10=lambda y: y.quantile(0.1), p90=lambda y: y.quantile(0.9)
    )
    out = out.reset_index()
    out = out[out.seeds >= max(1, n_seeds // 2)]  # what happens in most seeds
    return out.sort_values(["median", "kind", "code"]).reset_index(drop=True)


def _events_by_year(events: pd.DataFrame, kinds: tuple[str, ...]) -> dict[tuple[int, str, int], list[tuple[str, str]]]:
    """The events of ``kinds`` by (seed, state, year): their (kind, text), in log order (one pass over the log, so
    that a report can look up each protest or transition instead of filtering the whole log for it)."""
    rows = events[events.kind.isin(kinds)]
    out: dict[tuple[int, str, int], list[tuple[str, str]]] = {}
    columns = (rows.seed.tolist(), rows.code.tolist(), rows.year.tolist(), rows.kind.tolist(), rows.text.tolist())
    for seed, code, year, kind, text in zip(*columns, strict=True):
        out.setdefault((seed, code, year), []).append((kind, text))
    return out


def protest_responses(events: pd.DataFrame) -> pd.DataFrame:
    """Every mass protest of the ensemble (a ``crisis`` event) with how it ended: one row per seed, state and year,
    with ``outcome`` the ``+``-joined labels that apply, in this order: ``overthrown`` (the army defected and the
    leader fell), ``intervention`` (the centre's troops, that year or the next), ``concession``, ``crushed`` (a
    crackdown), ``leader_changed`` (removed by the Politburo); ``standoff`` when none does."""
    crises = events[events.kind == "crisis"][["seed", "code", "year"]].drop_duplicates()
    if crises.empty:
        return pd.DataFrame(columns=["seed", "code", "year", "outcome"])
    logged = _events_by_year(events, ("crackdown", "concession", "intervention", "leader"))

    def outcome(seed: int, code: str, year: int) -> str:
        this_year = logged.get((seed, code, year), [])
        leader = [text for kind, text in this_year if kind == "leader"]
        next_year = logged.get((seed, code, year + 1), [])
        labels = [
            name
            for name, applies in (
                ("overthrown", any("overthrown" in text for text in leader)),
                ("intervention", any(kind == "intervention" for kind, _ in this_year + next_year)),
                ("concession", any(kind == "concession" for kind, _ in this_year)),
                ("crushed", any(kind == "crackdown" for kind, _ in this_year)),
                ("leader_changed", any("removed" in text for text in leader)),
            )
            if applies
        ]
        return "+".join(labels) or "standoff"

    crises["outcome"] = [
        outcome(*key) for key in zip(crises.seed.tolist(), crises.code.tolist(), crises.year.tolist(), strict=True)
    ]
    return crises.reset_index(drop=True)


def protest_waves(
    events: pd.DataFrame, n_seeds: int, record: pd.DataFrame | None = None, responses: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Each wave of the record (:data:`PROTEST_WAVES`) beside the model: the seeds with the wave's signal (a mass
    protest, or the centre's intervention) in the state within one year of the recorded year, the median year of
    the nearest such signal, and the simulated outcomes of those protests (``responses``: :func:`protest_responses`
    of ``events``, computed here when not given)."""
    record = pd.read_csv(PROTEST_WAVES) if record is None else record
    responses = protest_responses(events) if responses is None else responses
    interventions = events[events.kind == "intervention"][["seed", "code", "year"]]
    rows = []
    for w in record.itertuples():
        pool = responses if w.signal == "protest" else interventions
        near = pool[(pool.code == w.code) & pool.year.between(w.year - 1, w.year + 1)]
        nearest = near.assign(gap=(near.year - w.year).abs()).sort_values(["seed", "gap"]).groupby("seed").head(1)
        outcomes = Counter(nearest.outcome) if w.signal == "protest" else Counter()
        rows.append({
            "code": w.code, "year": w.year, "signal": w.signal, "record_outcome": w.outcome, "event": w.event,
            "seeds": nearest.seed.nunique(), "n": n_seeds,
            "median_year": float(nearest.year.median()) if len(nearest) else float("nan"),
            "outcomes": ", ".join(f"{k} {v}" for k, v in outcomes.most_common()),
            "same_outcome": (
                sum(k for o, k in outcomes.items() if w.outcome in o.split("+"))
                if w.signal == "protest"
                else nearest.seed.nunique()
            ),
        })  # fmt: skip
    return pd.DataFrame(rows)


def waves_markdown(waves: pd.DataFrame, responses: pd.DataFrame, n: int) -> list[str]:
    """The report's section on protest waves: the record's waves beside the model's, and the model's mass
    protests before 1987 (issue 12)."""
    most = waves[waves.seeds > n / 2]
    early = responses[responses.year < 1987]
    lines = [
        "", "## Protest waves: the record and the model", "",
        f"{len(most)} of the {len(waves)} waves of the record (`sim/data/validation/protest_waves.csv`) appear within "
        "one year of their year in most seeds; a mass protest is public dissent at the crisis level (the `crisis` "
        f"event). Before 1987 the model has {len(early) / max(n, 1):.1f} mass protests per seed (states and years), "
        f"in {early.code.nunique()} states.",
        "", "| state | year | record | seeds within a year | median year | simulated outcomes (same as record) |",
        "|---|---|---|---|---|---|",
    ]  # fmt: skip
    for w in waves.itertuples():
        median = "" if math.isnan(w.median_year) else f"{w.median_year:.0f}"
        lines.append(
            f"| {w.code} | {w.year} | {w.signal}: {w.record_outcome} ({w.event}) | {w.seeds}/{w.n} | {median} | "
            f"{w.outcomes or '-'} ({w.same_outcome}) |"
        )
    return lines


def transition_kinds(states: pd.DataFrame, events: pd.DataFrame, since: int = 1975) -> pd.DataFrame:
    """How each regime that lost its monopoly (F1) after ``since`` ended, per seed, from the event log of the year of
    the loss and the year before: ``overthrown`` (the army defected and the leader fell), ``palace_coup`` (the
    Politburo removed the leader and opened talks), ``crowds`` (a concession after a failed crackdown),
    ``negotiated`` (a round table without a coup), ``settlement`` (a negotiated end of its war), ``from_above`` (no
    concession: the party's own reform gave up the monopoly). One row per seed and state: seed, code, year, kind."""
    from sim.mechanisms.crisis import CONCEDED, NEGOTIATED, PACT
    from sim.vocab import LeaderExit

    table = states.sort_values(["seed", "code", "year"])
    f1 = table.f1.astype(bool)
    lost = table[~f1 & f1.groupby([table.seed, table.code]).shift(1, fill_value=False) & (table.year > since)]
    first = lost.groupby(["seed", "code"]).year.min().reset_index()
    texts = _events_by_year(events, ("concession", "leader", "settlement"))
    rows = []
    for seed, code, year in zip(first.seed.tolist(), first.code.tolist(), first.year.tolist(), strict=True):
        e = texts.get((seed, code, year - 1), []) + texts.get((seed, code, year), [])
        concessions = [text for kind, text in e if kind == "concession"]
        if any(LeaderExit.ARMY.phrase in text for kind, text in e if kind == "leader"):
            kind = "overthrown"
        elif any(PACT in text for text in concessions):
            kind = "palace_coup"
        elif any(CONCEDED in text for text in concessions):
            kind = "crowds"
        elif any(NEGOTIATED in text for text in concessions):
            kind = "negotiated"
        elif any(kind == "settlement" for kind, _ in e):
            kind = "settlement"
        else:
            kind = "from_above"
        rows.append({"seed": seed, "code": code, "year": year, "kind": kind})
    return pd.DataFrame(rows, columns=["seed", "code", "year", "kind"])


def transitions_markdown(kinds: pd.DataFrame, n: int, record: pd.DataFrame | None = None) -> list[str]:
    """The report's section on kinds of transition: the record's kind of each European exit beside the model's."""
    record = pd.read_csv(TRANSITIONS) if record is None else record
    european = kinds[kinds.code.isin(record.code) & kinds.year.between(1980, 1995)]
    modal = european.groupby("code").kind.agg(lambda k: k.value_counts().index[0]) if len(european) else pd.Series()
    matches = sum(modal.get(w.code) == w.kind for w in record.itertuples())
    lines = [
        "", "## Kinds of transition", "",
        f"The exits of the European bloc (loss of the monopoly in 1980-95) come in {european.kind.nunique()} kinds "
        f"in the model ({', '.join(f'{k} {v}' for k, v in european.kind.value_counts().items())} exits over {n} "
        f"seeds); the most common kind matches the record's (`sim/data/validation/transitions.csv`) for {matches} "
        f"of {len(record)} states.",
        "", "| state | record | simulated kinds (exits) | same as record |", "|---|---|---|---|",
    ]  # fmt: skip
    for w in record.itertuples():
        sim = european[european.code == w.code].kind.value_counts()
        lines.append(
            f"| {w.code} | {w.kind} ({w.event}) | {', '.join(f'{k} {v}' for k, v in sim.items()) or '-'} | "
            f"{int(sim.get(w.kind, 0))}/{int(sim.sum())} |"
        )
    return lines


def inputs_markdown(ens: Ensemble, emergent: pd.DataFrame) -> list[str]:
    """The report's section on what is input and what emerges (MODEL.md section 3)."""
    from sim.causal_rule import Verdict, dated_inputs

    inputs = dated_inputs(ens.scenario.spec)
    by = Counter(d.verdict for d in inputs)
    kinds = Counter(d.kind for d in inputs if d.verdict == Verdict.CAUSE)
    n = len(ens.seeds)
    lines = [
        "", "## What is input and what emerges", "",
        f"The scenario dates {len(inputs)} inputs: {by[Verdict.CAUSE]} causes, {by[Verdict.OUTCOME]} that the rule "
        f"for dated inputs calls outcomes, {by[Verdict.DEPENDS]} left to a historian's judgement (docs/ODD.md "
        "section 6; `sim audit --rule-only`). The causes by kind: "
        + ", ".join(f"{k} {v}" for k, v in kinds.most_common()) + ".",
    ]  # fmt: skip
    outcomes = [d for d in inputs if d.verdict == Verdict.OUTCOME]
    if outcomes:
        lines += ["", "Dated inputs the rule calls outcomes (still in the file):", ""]
        lines += [f"- `{d.key}`: {d.label} ({d.reason})" for d in outcomes]
    lines += [
        "", "What the mechanisms decide or produce, in most seeds (no such event is dated; first occurrence per "
        "seed after 1945; `sim audit SCENARIO` removes each dated input in turn and shows which of these move with "
        "it):", "", "| year (median) | 10-90% | seeds | state | kind | what |", "|---|---|---|---|---|---|",
    ]  # fmt: skip
    for r in emergent.itertuples():
        lines.append(
            f"| {r.median:.0f} | {r.p10:.0f}-{r.p90:.0f} | {r.seeds}/{n} | {r.code or 'movement'} | {r.kind} | "
            f"{r.what} ... |"
        )
    return lines


def record_comparison(states: pd.DataFrame, scenario) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The ensemble's statuses against the independent record (``sim/data/validation/status_record.csv``, never
    read by the model), beside the naive table (:func:`sim.validation.naive_table`): the scores of
    :func:`sim.validation.scores` (status error up to and after 1980, exit-year error after it, with the skill over
    the naive table), and per recorded exit the recorded year, the median simulated one and the mean absolute
    errors of the model and of the naive table. None for a scenario without the record's states (the stylized
    world)."""
    from sim import validation

    record = validation.load_record()
    if not set(record.code) <= {s.code for s in scenario.spec.states}:
        return None
    tables = [g for _, g in states.groupby("seed")]
    scores = validation.score_table(validation.scores(tables, record))
    naive = validation.naive_table(sorted(record.year.unique()))
    naive_exits = validation.exit_errors([naive], record)[["code", "abs_error"]]
    exits = validation.exit_errors(tables, record).merge(
        naive_exits.rename(columns={"abs_error": "naive_abs_error"}), on="code"
    )
    return scores, exits


def record_markdown(scores: pd.DataFrame, exits: pd.DataFrame, n: int) -> list[str]:
    """The report's section on the record of statuses (:func:`record_comparison`)."""
    lines = [
        "",
        "## Against the record of statuses",
        "",
        "The record (`sim/data/validation/status_record.csv`, never read by the model) gives each state's status year "
        "by year, from Brown (2009) and dated events. The naive table beside it knows only the entry years of "
        "`states.csv` and two rules: European regimes end in 1990, China is a hybrid from 1978; skill is the error "
        "reduction over it (1 - model / naive). The shipped defaults were set by hand against this history "
        "(docs/ODD.md section 8), so these are in-sample errors; `sim validate-history` tests the model out of "
        f"sample. Status error: the share of recorded state-years whose simulated status differs, over {n} seeds "
        "(`record_scores.csv`, `record_exits.csv`).",
        "",
        "| score | model | naive table | skill |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r.score} | {r.model:.4g} | {r.naive:.4g} | {r.skill:+.2f} |" for r in scores.itertuples()]
    lines += [
        "",
        "| state | recorded exit | simulated (median) | model error (years) | naive error (years) |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.code} | {r.recorded} | {r.simulated_median:.0f} | {r.abs_error:.1f} | {r.naive_abs_error:.1f} |"
        for r in exits.sort_values(["recorded", "code"]).itertuples()
    ]
    lines.append("\nA run in which a state never leaves by 2025 scores 2026 minus the recorded year (a lower bound).")
    return lines


def report_markdown(
    ens: Ensemble,
    checks: list[Check],
    summary: pd.DataFrame,
    membership: pd.DataFrame,
    votes: pd.DataFrame,
    figures: list[str],
    emergent: pd.DataFrame | None = None,
    waves: pd.DataFrame | None = None,
    responses: pd.DataFrame | None = None,
    kinds: pd.DataFrame | None = None,
    record: tuple[pd.DataFrame, pd.DataFrame] | None = None,
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
    if record is not None:
        lines += record_markdown(*record, n)
    if emergent is not None:
        lines += inputs_markdown(ens, emergent)
    if waves is not None and responses is not None:
        lines += waves_markdown(waves, responses, n)
    if kinds is not None:
        lines += transitions_markdown(kinds, n)
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
        scored = membership[membership.modelled]
        out_of_sample = scored[scored.fitted == ""]
        ruling = out_of_sample[out_of_sample.family == "communist_ruling"]
        lines.append(
            f"Every membership figure of a Communist party the model has ({len(membership)} figures of "
            f"{membership.party.nunique()} parties; `membership.csv`). Out of sample (figures no parameter was set "
            f"on), {int(out_of_sample.within.sum())} of {len(out_of_sample)} are within a factor of "
            f"{MEMBERSHIP_TOLERANCE:g} of the real figure, {int(ruling.within.sum())} of {len(ruling)} of the "
            f"ruling parties' figures. Figures marked with a parameter were used to set it."
        )
        lines += ["", "| party | year | real | simulated (median) | 10-90% | ratio | used to set |",
                  "|---|---|---|---|---|---|---|"]  # fmt: skip
        for r in membership.itertuples():
            used = r.fitted or ("not modelled" if not r.modelled else "")
            lines.append(
                f"| {r.party} | {r.year} | {r.real:,.0f} | {r.sim_median:,.0f} | {r.sim_p10:,.0f}-{r.sim_p90:,.0f} | "
                f"{r.ratio:.2f}{'' if r.within else ' **'} | {used} |"
            )
        lines.append(f"\n** outside a factor of {MEMBERSHIP_TOLERANCE:g}.")
    lines += ["", "## Free elections against party_stats.csv", ""]
    if not votes.empty:
        out_of_sample = votes[votes.fitted == ""]
        decided = votes.dropna(subset=["real_won"])
        won = decided[decided.real_won.astype(bool)]
        lines.append(
            f"Every free election with a Communist list ({len(votes)} in {votes.state.nunique()} states; `votes.csv`),"
            f" against the nearest simulated one. Out of sample, the Communist share is within "
            f"{100 * VOTE_TOLERANCE:.0f} points in {int(out_of_sample.within.sum())} of {len(out_of_sample)}. Of the "
            f"{len(won)} elections the Communists (or their successors) won, they lead the simulated one in "
            + (", ".join(f"{r.state} {r.year} {r.sim_lead:.0%} of seeds" for r in won.itertuples()) or "none")
            + "."
        )
        for state, v in votes.groupby("state"):
            lines.append(
                f"{state}: Communist share mean absolute error {100 * v.communist_error.abs().mean():.1f} points over "
                f"{len(v)} elections; social-democratic {100 * v.sd_error.abs().mean():.1f} points"
            )
        lines += ["", "| state | year | Communists real | simulated | won (real) | lead (share of seeds) | "
                  "social democrats real | simulated | used to set |",
                  "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
        for r in votes.itertuples():
            sd_real = "" if math.isnan(r.real_social_democratic) else f"{100 * r.real_social_democratic:.1f}"
            real_won = (
                "" if isinstance(r.real_won, float) and math.isnan(r.real_won) else ("yes" if r.real_won else "no")
            )
            lines.append(
                f"| {r.state} | {r.year} | {100 * r.real_communist:.1f} | {100 * r.sim_communist:.1f}"
                f"{'' if r.within else ' **'} | {real_won} | {r.sim_lead:.0%} | {sd_real} | "
                f"{100 * r.sim_social_democratic:.1f} | {r.fitted} |"
            )
        lines.append(f"\n** more than {100 * VOTE_TOLERANCE:.0f} points off.")
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
        emergent = emergent_events(tables["events"], len(ens.seeds))
        emergent.to_csv(tmp / "emergent.csv", index=False)
        responses = protest_responses(tables["events"])
        waves = protest_waves(tables["events"], len(ens.seeds), responses=responses)
        waves.to_csv(tmp / "protest_waves.csv", index=False)
        kinds = transition_kinds(tables["states"], tables["events"])
        kinds.to_csv(tmp / "transitions.csv", index=False)
        record = record_comparison(tables["states"], ens.scenario)
        if record is not None:
            record[0].to_csv(tmp / "record_scores.csv", index=False)
            record[1].to_csv(tmp / "record_exits.csv", index=False)
        pd.DataFrame([c.row() for c in checks]).to_csv(tmp / "checks.csv", index=False)
        bands.to_csv(tmp / "status_bands.csv", index=False)
        summary.to_csv(tmp / "change_years.csv", index=False)
        membership.to_csv(tmp / "membership.csv", index=False)
        votes.to_csv(tmp / "votes.csv", index=False)
        for name, frame in tables.items():
            write_parquet(frame, tmp / f"{name}.parquet")
        figures = write_figures(ens, bands, changes, membership, votes, tmp)
        (tmp / "report.md").write_text(
            report_markdown(
                ens, checks, summary, membership, votes, figures, emergent, waves, responses, kinds, record
            ),
            encoding="utf-8",
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
        for code, rows in s.groupby("code", sort=False):  # each state's rows once (not a filter per state)
            exit_year = pat.exit_of(rows, code).year
            if exit_year is not None:
                exits.setdefault(code, []).append(exit_year)
    bloc = {s.code for s in ens.scenario.spec.states if CASCADE_TAG in s.tags}  # the states of the 1989 cascade
    cascade = {c: ys for c, ys in exits.items() if c in bloc}
    others = {c: ys for c, ys in exits.items() if c not in bloc}
    ruled = [pat.ruled_in(run["states"], 2025) for run in ens.runs]
    survivors = Counter(code for codes in ruled for code in codes)
    ruled_2025 = states[(states.year == 2025) & (states.status != "non_communist")]  # a survivor's status where ruled
    status_2025 = ruled_2025.groupby("code").status.agg(lambda s: s.value_counts().index[0])
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
    if (where / "record_scores.csv").exists():  # the historical world: its scores against the record
        scores = pd.read_csv(where / "record_scores.csv").set_index("score")
        status, exit_years = scores.loc["status error > 1980"], scores.loc["exit-year error > 1980 (years)"]
        record = (
            f"against the record of statuses after 1980 (in sample; report.md): status error {status.model:.3f} "
            f"(naive table {status.naive:.3f}), exit-year error {exit_years.model:.2f} years (naive "
            f"{exit_years.naive:.2f})"
        )
        lines.append(textwrap.fill(record, width=100, subsequent_indent="  "))
    legend = (
        "legend: years are medians over the seeds where it happens, (k/N) = in k of the N seeds; communist = all six "
        "features hold, hybrid = monopoly and centralism hold but not all of the other four; checks P* are the "
        "patterns of the design notes (docs/ODD.md section 1), J-* the judgements of Brown (2009), ch. 2; "
        "report.md has every check with its requirement and value."
    )
    lines.append(textwrap.fill(legend, width=100, subsequent_indent="  "))
    return "\n".join(lines)
