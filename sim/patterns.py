"""The patterns of MODEL.md section 4, measured on one run's tables (pattern-oriented validation).

Each function takes the tables of one replicate (as written to Parquet, or :func:`frames` of a finished model) and
returns what the pattern is about; the metrics of :mod:`sim.targets` turn these into the observations of the
targets files (``sim/scenarios/targets/``), whose rates over an ensemble ``sim history`` and the tests check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.model import CommunistWorld


def frames(model: CommunistWorld) -> dict[str, pd.DataFrame]:
    """The collected tables of a finished model."""
    return {name: model.table(name) for name in ("states", "parties", "events", "elections")}


# -- pattern 1 and 2: the 1989 cascade and its counterfactual ---------------------------------------------------------


@dataclass
class Collapse:
    """One regime's fall: the year it became non_communist and what dissent looked like around it."""

    code: str
    year: int
    dissent_before: float  # highest public dissent in the three years before the collapse year
    opposition_before: float  # lowest private opposition in the two years before
    peak_after_start: float  # highest public dissent in the first year of mass protest and the next


@dataclass
class Cascade:
    """Outcome of pattern 1 (or 2) in one run."""

    collapses: list[Collapse] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Number of the watched states that fell."""
        return len(self.collapses)


def cascade(
    states: pd.DataFrame, codes: tuple[str, ...], communist_in: int = 1985, by: int = 1991, crisis: float = 0.25
) -> Cascade:
    """Which of ``codes`` were communist in ``communist_in`` and non_communist by ``by``, and how they fell."""
    result = Cascade()
    table = states.set_index(["code", "year"]).sort_index()
    for code in codes:
        s = table.loc[code]
        if s.loc[communist_in, "status"] != "communist":
            continue
        after = s.loc[communist_in + 1 : by]
        fallen = after.index[after.status == "non_communist"]
        if len(fallen) == 0:
            continue
        year = int(fallen[0])
        protest = s.loc[communist_in + 1 : year]
        started = protest.index[protest.public_dissent >= crisis]
        start = int(started[0]) if len(started) else year
        result.collapses.append(
            Collapse(
                code,
                year,
                float(s.loc[year - 3 : year - 1, "public_dissent"].max()),
                float(s.loc[year - 2 : year - 1, "private_opposition"].min()),
                float(s.loc[start : start + 1, "public_dissent"].max()),
            )
        )
    return result


# -- pattern 4: reform shock ------------------------------------------------------------------------------------------


@dataclass
class ReformShock:
    """What became of a reformer installed in a bloc state (pattern 4)."""

    intervened: bool  # a military intervention within the window
    reversed: bool  # reformer gone and centralism back to its pre-shock level at the window's end
    went_through: bool  # no intervention; the reformer still leads (or the state left communism); centralism down


def reform_shock(frames_: dict[str, pd.DataFrame], code: str, year: int, window: int = 2) -> ReformShock:
    """Follow the reform shock in ``code`` from ``year`` to ``year + window``."""
    states = frames_["states"].set_index(["code", "year"]).loc[code]
    events = frames_["events"]
    intervened = bool(
        ((events.code == code) & (events.kind == "intervention") & events.year.between(year, year + window)).any()
    )
    before = states.loc[year - 1]
    after = states.loc[year + window]
    reversed_ = after.leader_kind not in ("reformer", "closet_social_democrat") and after.centralism >= min(
        before.centralism, 0.85
    )
    still_reforming = after.leader_kind in ("reformer", "closet_social_democrat") or after.status != "communist"
    went_through = not intervened and still_reforming and after.centralism < before.centralism
    return ReformShock(intervened, bool(reversed_), bool(went_through))


# -- pattern 7: electoral weakness ------------------------------------------------------------------------------------


@dataclass
class Elections:
    """Free elections in one run (pattern 7)."""

    n: int  # elections with both a Communist and a social-democratic list
    below_social_democrats: float  # share of those where Communists polled below social democrats
    communists_lead: float  # share of all elections where Communists were the largest list
    founding_shares: list[float]  # Communist shares in each party's first free election


def electoral_weakness(elections: pd.DataFrame) -> Elections:
    """Summarise the run's free elections."""
    if elections.empty:
        return Elections(0, float("nan"), float("nan"), [])
    both = elections.dropna(subset=["social_democratic"])
    below = float((both.communist < both.social_democratic).mean()) if len(both) else float("nan")
    others = elections[["social_democratic", "other"]].fillna(0.0).max(axis=1)
    lead = float((elections.communist > others).mean())
    founding = elections[elections.founding.astype(bool)].communist.tolist()
    return Elections(len(both), below, lead, founding)


# -- pattern 8: generational decay ---------------------------------------------------------------------------------


@dataclass
class Generations:
    """Belief and careerism across a ruling party's generations (pattern 8)."""

    code: str
    cohort_belief_slope: float  # change per year of recruits' mean belief at entry, over the party's rule
    believers_first_decade: float  # mean believer share in the first ten years of rule
    believers_late: float  # mean believer share from regime age ``late_age`` on (nan if never reached)
    careerism_control_corr: float  # correlation of recruits' careerism with M*O over the rule
    careerists_first_decade: float  # mean share of careerists and conservatives in the first ten years of rule
    careerists_late: float  # the same from regime age ``late_age`` on (nan if never reached)


def generations(frames_: dict[str, pd.DataFrame], party: str, late_age: int = 40) -> Generations:
    """Measure generational decay in one party during its rule."""
    parties = frames_["parties"]
    states = frames_["states"]
    p = parties[(parties.code == party)].set_index("year")
    ruling = p[p.role == "ruling"]
    state = p.state.iloc[0]
    s = states[states.code == state].set_index("year").loc[ruling.index]
    age = s.regime_age
    recruits = ruling.recruit_belief.dropna()
    slope = float(np.polyfit(recruits.index, recruits.values, 1)[0]) if len(recruits) > 5 else float("nan")
    early = ruling.share_believer[(age >= 0) & (age < 10)]
    late = ruling.share_believer[age >= late_age]
    control = (s.monopoly * s.ownership).loc[recruits.index]
    careerism = ruling.recruit_careerism.loc[recruits.index]
    corr = float(np.corrcoef(careerism, control)[0, 1]) if control.std() > 0 else float("nan")
    careerists = ruling.share_careerist + ruling.share_conservative

    def mean(values: pd.Series) -> float:
        return float(values.mean()) if len(values) else float("nan")

    return Generations(
        party,
        slope,
        mean(early),
        mean(late),
        corr,
        mean(careerists[(age >= 0) & (age < 10)]),
        mean(careerists[age >= late_age]),
    )


# -- pattern 12: Kornai coherence -------------------------------------------------------------------------------------


@dataclass
class ReformSocialismSpell:
    """A spell of reform socialism: the political core and state ownership kept, the plan given up."""

    code: str
    start: int
    length: int
    ending: str  # recentralised, hybridised, transition, or open (still going at the end of the run)


@dataclass
class Coherence:
    """Pattern 12 in one run."""

    classical_min_shortage: float  # lowest shortage in a classical configuration held 3 years (O, C >= .75, M >= .8)
    classical_years: int
    spells: list[ReformSocialismSpell]


CLASSICAL_HELD = 3
"""Years (this one included) a state must have held the classical configuration for its shortage to count."""


def kornai_coherence(frames_: dict[str, pd.DataFrame]) -> Coherence:
    """Shortage under the classical configuration (O, C >= .75, M >= .8, in office, held for ``CLASSICAL_HELD``
    years in a row), and the spells of reform socialism and how they ended.

    Reform socialism: a ruling party pursuing market reform (market > 0) with F1, F2 and F3 holding and F4 lost.
    """
    states = frames_["states"]
    parties = frames_["parties"]
    market = parties[parties.family == "ruling_communist"][["year", "state", "market"]].rename(
        columns={"state": "code"}
    )
    s = states.merge(market, on=["year", "code"], how="left").fillna({"market": 0.0})
    s = s.sort_values(["code", "year"])
    configured = (s.ownership >= 0.75) & (s.command >= 0.75) & (s.monopoly >= 0.8) & s.in_office
    # the configuration the system keeps: held this year and the two before (a new regime's first plan year, before
    # its shortage has built up, is not yet the classical system)
    held = configured.groupby(s.code).transform(lambda c: c.rolling(CLASSICAL_HELD, min_periods=CLASSICAL_HELD).min())
    classical = s[held.fillna(0).astype(bool)]
    s["reform_socialism"] = s.in_office & (s.market > 0) & s.f1 & s.f2 & s.f3 & ~s.f4
    spells: list[ReformSocialismSpell] = []
    for code, d in s.sort_values("year").groupby("code"):
        d = d.set_index("year")
        start = None
        for year, flag in d.reform_socialism.items():
            if flag and start is None:
                start = year
            elif not flag and start is not None:
                row = d.loc[year]
                ending = "recentralised" if row.f4 else "hybridised" if row.f1 and row.f2 else "transition"
                spells.append(ReformSocialismSpell(code, int(start), int(year - start), ending))
                start = None
        if start is not None:
            spells.append(ReformSocialismSpell(code, int(start), int(d.index.max() - start + 1), "open"))
    return Coherence(float(classical.shortage.min()) if len(classical) else float("nan"), len(classical), spells)


# -- historical patterns and judgements (MODEL.md section 4; Brown 2009) ------------------------------------------
# The groups of states they are measured on are tags in the scenario files (``[[states]] tags``), named by the
# targets files (``sim/scenarios/targets/``).


def _statuses(states: pd.DataFrame) -> pd.DataFrame:
    return states.pivot(index="year", columns="code", values="status")


def acceleration(
    states: pd.DataFrame,
    codes: tuple[str, ...],
    since: int = 1975,
    crisis: float = 0.25,
    rounds: int = 30,
    until: int | None = None,
):
    """Pattern 3: for each regime that lost F1 after ``since`` (and by ``until``, the end of the cascade), the time
    from its first mass protest to that loss.

    Time is counted in years and, within the year of the fall, in rounds of the dissent cascade (the cascade's own
    clock: ``rounds`` rounds make a year): duration = years * rounds + the round in which the final protest became
    a mass protest. Returns (code, year F1 was lost, years since the first mass protest, duration) in the order of
    the losses (year, then round).
    """
    out = []
    table = states.set_index(["code", "year"]).sort_index()
    for code in codes:
        s = table.loc[code].loc[since:]
        lost = s.index[~s.f1 & (s.shift(1).f1.fillna(False).astype(bool))]
        if len(lost) == 0:
            continue
        year = int(lost[0])
        if until is not None and year > until:
            continue
        window = s.loc[:year]
        protests = window.index[window.crisis.astype(bool) | (window.public_dissent >= crisis)]  # crushed ones too
        start = int(protests[0]) if len(protests) else year
        final_round = max(0, int(s.loc[year, "protest_rounds"])) if "protest_rounds" in s else 0
        out.append((code, year, year - start, (year - start) * rounds + final_round))
    return sorted(out, key=lambda r: (r[1], r[3] - (r[1] - r[2]) * rounds))


def splits(events: pd.DataFrame, codes: tuple[str, ...], by: int) -> dict[str, int]:
    """Pattern 5: the year each of ``codes`` broke with Moscow (split or expulsion), if it did by ``by``."""
    e = events[events.kind.isin(["split", "expulsion"]) & events.code.isin(codes) & (events.year <= by)]
    e = e[e.text.str.contains("breaks with Moscow")]
    return {code: int(group.year.min()) for code, group in e.groupby("code")}


def ruled_in(states: pd.DataFrame, year: int) -> list[str]:
    """States communist or hybrid in ``year``."""
    st = _statuses(states)
    return sorted(c for c in st.columns if st.loc[year, c] != "non_communist")


def ever_communist(states: pd.DataFrame) -> list[str]:
    """States classified communist in some year."""
    st = _statuses(states)
    return sorted(c for c in st.columns if (st[c] == "communist").any())


def sticky_goal_years(parties: pd.DataFrame, party: str) -> int:
    """Pattern 9: years in which a ruling party's leader no longer believed (belief < .4) yet G >= .5 was declared."""
    p = parties[(parties.code == party) & (parties.role == "ruling")]
    return int(((p.leader_belief < 0.4) & (p.goal >= 0.5)).sum())


@dataclass
class HybridSpell:
    """Pattern 10: the longest hybrid spell of a state and shortage before and during it."""

    start: int | None
    length: int
    shortage_before: float  # mean shortage in the ten years before the spell
    shortage_during: float  # mean shortage during the spell


def hybrid_spell(states: pd.DataFrame, code: str) -> HybridSpell:
    """The longest run of hybrid years of ``code`` (after its first communist year)."""
    s = states[states.code == code].set_index("year").sort_index()
    best = (None, 0)
    start = None
    for year, status in s.status.items():
        if status == "hybrid" and (s.loc[:year].status == "communist").any():
            start = year if start is None else start
            length = year - start + 1
            if length > best[1]:
                best = (start, length)
        else:
            start = None
    if best[0] is None:
        return HybridSpell(None, 0, float("nan"), float("nan"))
    first, length = best
    before = s.loc[first - 10 : first - 1, "shortage"].mean()
    during = s.loc[first : first + length - 1, "shortage"].mean()
    return HybridSpell(int(first), int(length), float(before), float(during))


@dataclass
class Exit:
    """Pattern 11 and the chapter's USSR judgement: how the hegemon's state left the category."""

    year: int | None
    same_leader: bool  # the party and leader in office in the exit year are those of the year before
    f2_first: bool  # centralism went before (or with) the monopoly
    state_lasts: bool  # the state is still in the world after the exit year


def exit_of(states: pd.DataFrame, code: str, after: int = 1950) -> Exit:
    """The first year after ``after`` that ``code`` became non_communist, and how."""
    s = states[states.code == code].set_index("year").sort_index()
    later = s.loc[after:]
    exits = later.index[(later.status == "non_communist") & (later.status.shift(1) != "non_communist")]
    exits = [y for y in exits if y - 1 in s.index and s.loc[y - 1, "status"] != "non_communist"]
    if not exits:
        return Exit(None, False, False, True)
    year = int(exits[0])
    now, before = s.loc[year], s.loc[year - 1]
    same = bool(now.in_office and now.leader_id == before.leader_id)
    f2_lost = s.index[(s.index >= year - 10) & ~s.f2 & s.in_office]
    f1_lost = s.index[(s.index >= year - 10) & (~s.f1 | ~s.in_office)]
    f2_first = bool(len(f2_lost) and (not len(f1_lost) or f2_lost[0] <= f1_lost[0]))
    return Exit(year, same, f2_first, bool(s.index.max() > year))
