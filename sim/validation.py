"""Validation against the record: status by year, a naive baseline beside every score, hold-out splits.

The record (``sim/data/validation/status_record.csv``) says, for spans of years, what each state of the historical
scenario was: ``communist``, ``hybrid``, ``non_communist`` or ``ruled`` (communist or hybrid, where the record does
not decide). A run is scored by the share of recorded state-years whose simulated status disagrees with it (the
**status error**), and by the absolute error of each recorded exit year (the first recorded non-communist year after
a ruled span). Scores are split by a cut year: the years up to it were (or may have been) fitted, the years after
it are held out.

Beside every score stands the **naive table** of issue 13: a lookup built only from the entry years of
``data/history/states.csv`` and two rules, European regimes end in 1990 and China is a hybrid from 1978; every
other state is communist from its entry year on. The model's **skill** is its error reduction over it,
``1 - error_model / error_naive`` (positive: better than the table; 0: no better; negative: worse).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.resources import HISTORY_DIR
from sim.scenario import ScenarioError

RECORD_PATH = HISTORY_DIR.parent / "validation" / "status_record.csv"
STATES_PATH = HISTORY_DIR / "states.csv"
RECORD_STATUSES = ("communist", "hybrid", "non_communist", "ruled")
RULED = ("communist", "hybrid")
NAIVE_EUROPEAN_END = 1990  # naive rule 1: European regimes end in 1990
NAIVE_CHINA_HYBRID = 1978  # naive rule 2: China a hybrid from 1978
DEFAULT_CUT = 1980


class RecordError(ScenarioError):
    """The record file is missing or malformed (names the file, the row and the key)."""


def load_record(path: str | Path = RECORD_PATH) -> pd.DataFrame:
    """The record, one row per state and year: ``code``, ``year``, ``status``.

    Raises:
        RecordError: the file is missing, lacks a column, has a status outside :data:`RECORD_STATUSES`, a span
            whose last year precedes its first, or two spans of one state that overlap.
    """
    path = Path(path)
    if not path.exists():
        raise RecordError(f"{path}: no such record file")
    frame = pd.read_csv(path)
    for column in ("code", "first_year", "last_year", "status"):
        if column not in frame.columns:
            raise RecordError(f"{path}: column {column!r}: missing (expected code, first_year, last_year, status)")
    rows = []
    for i, r in enumerate(frame.itertuples(index=False), start=2):
        if r.status not in RECORD_STATUSES:
            raise RecordError(
                f"{path}: line {i}: status: expected one of {', '.join(RECORD_STATUSES)}, got {r.status!r}"
            )
        if not int(r.first_year) <= int(r.last_year):
            raise RecordError(f"{path}: line {i}: last_year {r.last_year} precedes first_year {r.first_year}")
        rows += [(r.code, year, r.status) for year in range(int(r.first_year), int(r.last_year) + 1)]
    record = pd.DataFrame(rows, columns=["code", "year", "status"])
    dup = record.duplicated(["code", "year"])
    if dup.any():
        first = record[dup].iloc[0]
        raise RecordError(f"{path}: {first.code} {first.year}: two spans cover the same year")
    return record


def naive_states(scenario=None) -> pd.DataFrame:
    """The states the naive table is built from (``code``, ``entry_year``, ``region``): ``states.csv``, or the
    scenario's own states when it has states that ``states.csv`` does not list (the stylized world)."""
    states = pd.read_csv(STATES_PATH)
    if scenario is None or {s.code for s in scenario.spec.states} <= set(states.code):
        return states
    return pd.DataFrame(
        [{"code": s.code, "entry_year": s.entry_year, "region": s.region} for s in scenario.spec.states]
    )


def naive_table(years: Iterable[int], states: pd.DataFrame | None = None) -> pd.DataFrame:
    """The naive table's status of every state (default: of ``states.csv``) in each year (``code``, ``year``,
    ``status``)."""
    states = naive_states() if states is None else states
    years = list(years)
    rows = []
    for s in states.itertuples(index=False):
        entry = None if pd.isna(s.entry_year) else int(s.entry_year)
        european = "Europe" in str(s.region)
        for year in years:
            if entry is None or year < entry or (european and year >= NAIVE_EUROPEAN_END):
                status = "non_communist"
            elif s.code == "CHN" and year >= NAIVE_CHINA_HYBRID:
                status = "hybrid"
            else:
                status = "communist"
            rows.append((s.code, year, status))
    return pd.DataFrame(rows, columns=["code", "year", "status"])


def mismatch(simulated: pd.Series, recorded: pd.Series) -> np.ndarray:
    """1 where a simulated status disagrees with the recorded one (``ruled`` accepts communist or hybrid)."""
    sim = simulated.to_numpy(dtype=object)
    rec = recorded.to_numpy(dtype=object)
    ruled = rec == "ruled"
    agree = np.where(ruled, np.isin(sim, RULED), sim == rec)
    return (~agree).astype(float)


def state_year_errors(tables: Sequence[pd.DataFrame], record: pd.DataFrame) -> pd.DataFrame:
    """The mean status mismatch over runs of every recorded state-year (``code``, ``year``, ``status``, ``error``).

    ``tables`` are ``states`` tables (one per run, or the naive table); a recorded state-year a run did not
    simulate counts as a mismatch.
    """
    errors = np.zeros(len(record))
    for table in tables:
        merged = record.merge(table[["code", "year", "status"]], on=["code", "year"], how="left", suffixes=("", "_sim"))
        errors += mismatch(merged.status_sim.fillna("missing"), merged.status)
    out = record.copy()
    out["error"] = errors / max(1, len(tables))
    return out


def exit_years(record: pd.DataFrame) -> dict[str, int]:
    """The recorded exit year of each state: the first non_communist year right after a ruled span."""
    out: dict[str, int] = {}
    for code, r in record.sort_values("year").groupby("code"):
        ruled = r.status.isin(("communist", "hybrid", "ruled")).to_numpy()
        years = r.year.to_numpy()
        for i in range(1, len(r)):
            if ruled[i - 1] and not ruled[i] and years[i] == years[i - 1] + 1:
                out[code] = int(years[i])
                break
    return out


def simulated_exit(table: pd.DataFrame, code: str, after: int) -> int | None:
    """The first year from ``after`` on in which ``code`` is non_communist having been ruled the year before."""
    s = table[table.code == code].sort_values("year")
    ruled = s.status.isin(RULED).to_numpy()
    years = s.year.to_numpy()
    for i in range(1, len(s)):
        if years[i] >= after and ruled[i - 1] and not ruled[i]:
            return int(years[i])
    return None


def exit_errors(tables: Sequence[pd.DataFrame], record: pd.DataFrame, last_year: int = 2025) -> pd.DataFrame:
    """Per recorded exit: the recorded year, the median simulated year and the mean absolute error over runs.

    A run in which the state never leaves by ``last_year`` scores ``last_year + 1 - recorded`` (a lower bound)."""
    rows = []
    for code, year in exit_years(record).items():
        after = year - 15  # the exit of the span the record ends, not an earlier lapse
        sims = [simulated_exit(t, code, after) for t in tables]
        sims = [last_year + 1 if y is None else y for y in sims]
        rows.append({"code": code, "recorded": year, "simulated_median": float(np.median(sims)),
                     "abs_error": float(np.mean([abs(y - year) for y in sims]))})  # fmt: skip
    return pd.DataFrame(rows, columns=["code", "recorded", "simulated_median", "abs_error"])


@dataclass
class Score:
    """One score of the model beside the naive table's."""

    name: str
    model: float
    naive: float

    @property
    def skill(self) -> float:
        """Error reduction over the naive table: ``1 - model / naive``."""
        return 1.0 - self.model / self.naive if self.naive > 0 else float("nan")

    def row(self) -> dict[str, object]:
        """As a table row."""
        return {"score": self.name, "model": round(self.model, 4), "naive": round(self.naive, 4),
                "skill": round(self.skill, 3)}  # fmt: skip


def scores(
    tables: Sequence[pd.DataFrame],
    record: pd.DataFrame | None = None,
    cut: int = DEFAULT_CUT,
    codes: Sequence[str] | None = None,
    label: str = "",
    states: pd.DataFrame | None = None,
) -> list[Score]:
    """Status error up to and after ``cut`` and exit-year error after it, for the runs and the naive table.

    Args:
        tables: the ``states`` tables of the runs.
        record: the record (default: :func:`load_record`).
        cut: the last fitted year.
        codes: score only these states (leave-one-out).
        label: a prefix for the score names.
        states: the states the naive table is built from (default: ``states.csv``).
    """
    record = load_record() if record is None else record
    if codes is not None:
        record = record[record.code.isin(codes)]
    naive = naive_table(sorted(record.year.unique()), states)
    sim = state_year_errors(tables, record)
    base = state_year_errors([naive], record)
    out = []
    ever_ruled = set(record.code[record.status != "non_communist"])
    core = sim.code.isin(ever_ruled)
    for name, mask in (
        ("status error <= cut", sim.year <= cut),
        ("status error > cut", sim.year > cut),
        ("status error > cut, states ever ruled", (sim.year > cut) & core),
    ):
        if mask.any():
            out.append(
                Score(f"{label}{name}".replace("cut", str(cut)), sim.error[mask].mean(), base.error[mask].mean())
            )
    exits = exit_errors(tables, record)
    naive_exits = exit_errors([naive], record)
    held = exits.recorded > cut
    if held.any():
        out.append(Score(f"{label}exit-year error > {cut} (years)", exits.abs_error[held].mean(),
                         naive_exits.abs_error[held].mean()))  # fmt: skip
    return out


def score_table(scores_: Iterable[Score]) -> pd.DataFrame:
    """Scores as a table (``score``, ``model``, ``naive``, ``skill``)."""
    return pd.DataFrame([s.row() for s in scores_], columns=["score", "model", "naive", "skill"])


# -- leave-one-out over the European exits ---------------------------------------------------------------------

EUROPEAN_EXITS = ("POL", "HUN", "DDR", "CSK", "BGR", "ROU")
"""The European exits left out one at a time (the six bloc states of pattern 1)."""
LOO_ACCEPT = 0.2
"""Share of the reference table's draws accepted by rejection ABC in each leave-one-out fold."""


def leave_one_out(
    tables: Sequence[pd.DataFrame],
    record: pd.DataFrame | None = None,
    left_out: Sequence[str] = EUROPEAN_EXITS,
    accept: float = LOO_ACCEPT,
    states: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rejection ABC on a reference table of prior draws, one fold per left-out state.

    Each fold scores every run on the record of all the *other* states (every recorded year), keeps the best
    ``accept`` share of runs (the fold's posterior sample), and predicts the left-out state with them: its exit-year
    error and its status error after 1980, beside the naive table's and the whole reference table's (the prior).

    Args:
        tables: the ``states`` tables of runs over prior draws (run ``i``: draw ``i`` with seed ``i``).
        record: the record (default: :func:`load_record`).
        left_out: the states left out, one per fold.
        accept: share of runs kept in each fold.
        states: the states the naive table is built from (default: ``states.csv``).
    """
    record = load_record() if record is None else record
    naive = naive_table(sorted(record.year.unique()), states)
    keep = max(1, int(np.rint(accept * len(tables))))
    rows = []
    for code in left_out:
        others = record[record.code != code]
        fit = [state_year_errors([t], others).error.mean() for t in tables]
        best = [tables[i] for i in np.argsort(fit, kind="stable")[:keep]]
        mine = record[record.code == code]
        held = mine[mine.year > DEFAULT_CUT]
        exit_model = exit_errors(best, mine).abs_error
        rows.append({
            "left_out": code,
            "recorded_exit": exit_years(mine).get(code),
            "predicted_exit_median": float(exit_errors(best, mine).simulated_median.iloc[0]),
            "exit_error_model": float(exit_model.iloc[0]),
            "exit_error_prior": float(exit_errors(tables, mine).abs_error.iloc[0]),
            "exit_error_naive": float(exit_errors([naive], mine).abs_error.iloc[0]),
            "status_error_model": float(state_year_errors(best, held).error.mean()),
            "status_error_prior": float(state_year_errors(tables, held).error.mean()),
            "status_error_naive": float(state_year_errors([naive], held).error.mean()),
            "runs_accepted": keep,
            "fit_distance_max": float(np.sort(fit)[keep - 1]),
        })  # fmt: skip
    return pd.DataFrame(rows)


# -- sim validate-history ------------------------------------------------------------------------------------------


def prior_draws(priors: Sequence[dict], n: int, seed: int) -> list[dict[str, float | int]]:
    """``n`` draws from the calibration's uniform priors (seeded), as scenario overrides."""
    from sim.params import PARAMETERS

    rng = np.random.default_rng([seed, 17])
    out = []
    for _ in range(n):
        draw: dict[str, float | int] = {}
        for p in priors:
            value = rng.uniform(float(p["lo"]), float(p["hi"]))
            draw[str(p["name"])] = int(np.rint(value)) if PARAMETERS[str(p["name"])].integer else float(value)
        out.append(draw)
    return out


def validate_history(
    calibration: Path,
    out: Path,
    n_draws: int = 20,
    reference: int = 60,
    seed: int = 1,
    workers: int | None = None,
    loo: bool = True,
    left_out: Sequence[str] = EUROPEAN_EXITS,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Temporal hold-out of a calibration (its posterior predicts the record after its cut year) and leave-one-out
    over the European exits, each score beside the naive table's; writes ``out`` (atomically).

    Returns:
        The scores (posterior, default parameters, prior) and the leave-one-out table (None without ``loo``).

    Raises:
        ScenarioError: the folder is not a finished calibration (settings.json and posterior.parquet).
    """
    import json

    from sim import posterior as post
    from sim.output import atomic_dir, git_state, write_json
    from sim.scenario import load

    settings_path = Path(calibration) / "settings.json"
    if not settings_path.exists():
        raise ScenarioError(f"{calibration}: settings.json: missing (expected a folder written by `sim calibrate`)")
    settings = json.loads(settings_path.read_text(encoding="utf-8"))
    cut = int(settings["cut_year"])
    base = load(settings["scenario"])
    records = [p for p in str(settings["targets"]).split(",") if p.endswith(".csv")]
    record = load_record(records[0] if records else RECORD_PATH)
    states = naive_states(base)
    drawn = post.draws(post.load_posterior(calibration), n_draws, seed)
    seeds = list(range(seed, seed + n_draws))

    def states_of(worlds: Sequence, seeds_: Sequence[int], label: str) -> list[pd.DataFrame]:
        return [r["states"] for r in post.run_over_draws(worlds, seeds_, workers, None, label)]

    posterior_runs = states_of([base.with_overrides(d) for d in drawn], seeds, "posterior draws")
    default_runs = states_of([base] * n_draws, seeds, "default parameters")
    rows = []
    for label, runs in (("posterior", posterior_runs), ("default parameters", default_runs)):
        rows += [{"runs": label, **s.row()} for s in scores(runs, record, cut, states=states)]
    loo_table = None
    prior = []
    if loo or reference:
        prior = prior_draws(settings["params"], reference, seed)
        prior_runs = states_of([base.with_overrides(d) for d in prior], list(range(seed, seed + reference)), "prior")
        rows += [{"runs": "prior", **s.row()} for s in scores(prior_runs, record, cut, states=states)]
        left_out = [c for c in left_out if c in exit_years(record)]
        if loo and left_out:
            loo_table = leave_one_out(prior_runs, record, left_out, states=states)
    table = pd.DataFrame(rows)
    with atomic_dir(out) as tmp:
        table.to_csv(tmp / "scores.csv", index=False)
        if loo_table is not None:
            loo_table.to_csv(tmp / "leave_one_out.csv", index=False)
        (tmp / "report.md").write_text(validation_markdown(table, loo_table, settings, n_draws, reference),
                                       encoding="utf-8")  # fmt: skip
        write_json({"calibration": str(calibration), "settings": settings, "draws": n_draws, "reference": reference,
                    "seed": seed, "record": str(RECORD_PATH), **git_state()}, tmp / "metadata.json")  # fmt: skip
    return table, loo_table


def validation_markdown(
    table: pd.DataFrame, loo_table: pd.DataFrame | None, settings: dict, n_draws: int, reference: int
) -> str:
    """The validation report."""
    cut = settings["cut_year"]
    names = ", ".join(f"`{p['name']}`" for p in settings["params"])
    lines = [
        f"# Validation of the {settings['scenario']} calibration (fitted up to {cut})",
        "",
        f"Parameters calibrated: {names}. Scored against `sim/data/validation/status_record.csv`; every score stands "
        "beside the naive table (entry years of states.csv; European regimes end in 1990; China a hybrid from 1978). "
        "Skill = 1 - model error / naive error.",
        "",
        f"- **posterior**: {n_draws} posterior draws (draw i with seed i); the years after {cut} are held out.",
        "- **default parameters**: the shipped defaults with the same seeds (hand-tuned against the whole record, so "
        "their post-cut scores are not out of sample).",
        f"- **prior**: {reference} draws from the uniform priors (what the record adds).",
        "",
        "| runs | score | model | naive | skill |",
        "|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        skill = "n/a (naive error 0)" if pd.isna(r.skill) else f"{r.skill:+.2f}"
        lines.append(f"| {r.runs} | {r.score} | {r.model:.4g} | {r.naive:.4g} | {skill} |")
    if loo_table is not None:
        lines += [
            "",
            "## Leave-one-out over the European exits",
            "",
            f"Rejection ABC on the {reference} prior runs: each fold keeps the {LOO_ACCEPT:.0%} of runs closest to the "
            "record of the other states and predicts the one left out.",
            "",
            "| left out | recorded exit | predicted (median) | exit error | prior | naive | status error > 1980 | "
            "prior | naive |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in loo_table.itertuples():
            lines.append(
                f"| {r.left_out} | {r.recorded_exit} | {r.predicted_exit_median:.0f} | {r.exit_error_model:.2f} | "
                f"{r.exit_error_prior:.2f} | {r.exit_error_naive:.2f} | {r.status_error_model:.3f} | "
                f"{r.status_error_prior:.3f} | {r.status_error_naive:.3f} |"
            )
        m, n = loo_table.exit_error_model.mean(), loo_table.exit_error_naive.mean()
        lines += ["", f"Mean exit-year error over the folds: {m:.2f} years (naive {n:.2f}; skill "
                  f"{(1 - m / n) if n else float('nan'):+.2f})."]  # fmt: skip
    return "\n".join(lines) + "\n"
