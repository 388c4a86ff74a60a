"""Validation against the record: status by year, a naive baseline beside every score, hold-out splits.

The record (``data/validation/status_record.csv``) says, for spans of years, what each state of the historical
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

from sim.scenario import ScenarioError

REPO = Path(__file__).resolve().parent.parent
RECORD_PATH = REPO / "data" / "validation" / "status_record.csv"
STATES_PATH = REPO / "data" / "history" / "states.csv"
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


def naive_table(years: Iterable[int], states_path: str | Path = STATES_PATH) -> pd.DataFrame:
    """The naive table's status of every state of ``states.csv`` in each year (``code``, ``year``, ``status``)."""
    states = pd.read_csv(states_path)
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
) -> list[Score]:
    """Status error up to and after ``cut`` and exit-year error after it, for the runs and the naive table.

    Args:
        tables: the ``states`` tables of the runs.
        record: the record (default: :func:`load_record`).
        cut: the last fitted year.
        codes: score only these states (leave-one-out).
        label: a prefix for the score names.
    """
    record = load_record() if record is None else record
    if codes is not None:
        record = record[record.code.isin(codes)]
    naive = naive_table(sorted(record.year.unique()))
    sim = state_year_errors(tables, record)
    base = state_year_errors([naive], record)
    out = []
    for name, mask in (("status error <= cut", sim.year <= cut), ("status error > cut", sim.year > cut)):
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
