"""Vector storage for party members and citizens.

**Members** are super-individuals (Scheffer et al. 1995): each row stands for ``weight`` real members who joined
in the same year. All rows of all Communist parties live in one structure of arrays (:class:`MemberTable`), so a
yearly update of every member is a handful of numpy operations; each party sees its own rows as numpy *views*
(:class:`PartyMembers`), and each :class:`~sim.agents.MemberAgent` is a thin view of one row.

Each party's rows form a ring of ``career_years`` cohorts with ``K`` rows each. In year ``t`` the rows at ring
position ``t mod career_years`` hold the cohort that joined ``career_years`` years earlier; they retire and the
year's recruits take their place. Memory is therefore fixed for the whole run, and a MemberAgent is a slot that
holds one cohort at a time (its ``cohort`` attribute says which).

**Citizens** are a fixed sample per state (:class:`CitizenTable`) with dispositions, dissent thresholds and
election preferences; they are arrays, not Mesa agents (MODEL.md section 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from sim.vocab import MemberType, TypeRule

MEMBER_TYPES: tuple[MemberType, ...] = tuple(MemberType)
"""Derived member types, in the order they are tested (the first that applies wins: :class:`~sim.vocab.TypeRule`)."""


@dataclass(frozen=True, slots=True)
class PartyBlock:
    """Where one party's rows sit in the member table."""

    index: int
    start: int
    rows_per_cohort: int
    career_years: int

    @property
    def stop(self) -> int:
        """One past the party's last row."""
        return self.start + self.rows_per_cohort * self.career_years

    @property
    def size(self) -> int:
        """Number of rows (MemberAgent slots)."""
        return self.rows_per_cohort * self.career_years


PERSONS_PER_MILLION = 1e6
"""States' populations are given in millions; memberships in persons."""


def adults(population: float, params: Mapping[str, float]) -> float:
    """Adults in a state of ``population`` million: population * 1e6 * ``adult_share``."""
    return population * PERSONS_PER_MILLION * params["adult_share"]


def member_opposition(belief, careerism, reformism, sd_affinity, params: Mapping[str, float]):
    """Private opposition of members: x = (w_s s + w_r r + w_b (1 - b)) (1 - loyalty c).

    From social-democratic affinity, reformism and disbelief (MODEL.md section 2: "private opposition x (from s, r
    and 1-b)"); a careerist who believes nothing still owes the party its career, so careerism damps it.
    Works on floats and on arrays (for arrays the same operations run in place on two buffers).
    """
    if isinstance(belief, np.ndarray) and belief.ndim:
        x = np.multiply(sd_affinity, params["opposition_sd_weight"])
        term = np.multiply(reformism, params["opposition_reformism_weight"])
        x += term
        np.subtract(1.0, belief, out=term)
        term *= params["opposition_disbelief_weight"]
        x += term
        np.multiply(careerism, params["careerist_loyalty"], out=term)
        np.subtract(1.0, term, out=term)
        x *= term
        return x
    return (
        params["opposition_sd_weight"] * sd_affinity
        + params["opposition_reformism_weight"] * reformism
        + params["opposition_disbelief_weight"] * (1.0 - belief)
    ) * (1.0 - params["careerist_loyalty"] * careerism)


class MemberTable:
    """All member super-individuals of all Communist parties, as a structure of arrays.

    Args:
        slots: requested rows per party (rounded down to a whole number of cohorts, at least one row per cohort).
        career_years: cohorts in each party's ring.
        orgs_per_party: party organisations per party (for horizontal links in the dissent cascade).
        type_rule: the rule that derives member types (:class:`~sim.vocab.TypeRule`); needed by :meth:`types`.
    """

    FLOAT_COLUMNS = ("weight", "belief", "careerism", "reformism", "sd_affinity", "threshold")
    INT_COLUMNS = ("party", "cohort", "rank", "org")

    def __init__(self, slots: list[int], career_years: int, orgs_per_party: int, type_rule: TypeRule | None = None):
        self.type_rule = type_rule
        self.career_years = career_years
        self.orgs_per_party = orgs_per_party
        self.blocks: list[PartyBlock] = []
        start = 0
        for i, requested in enumerate(slots):
            per_cohort = max(1, requested // career_years)
            block = PartyBlock(i, start, per_cohort, career_years)
            self.blocks.append(block)
            start = block.stop
        n = start
        self.size = n
        # native-size integers: numpy's bincount and fancy indexing would convert int32 on every call
        self.party = np.empty(n, dtype=np.intp)
        self.org = np.empty(n, dtype=np.intp)
        for b in self.blocks:
            self.party[b.start : b.stop] = b.index
            local = np.arange(b.size, dtype=np.intp)
            self.org[b.start : b.stop] = b.index * orgs_per_party + local % orgs_per_party
        self.cohort = np.full(n, -1, dtype=np.int32)  # join year; -1 = empty slot
        self.rank = np.zeros(n, dtype=np.int8)
        self.weight = np.zeros(n)
        self.belief = np.zeros(n)
        self.careerism = np.zeros(n)
        self.reformism = np.zeros(n)
        self.sd_affinity = np.zeros(n)
        self.threshold = np.zeros(n)  # personal dissent threshold before repression (risk aversion)
        self.dissent = np.zeros(n, dtype=bool)  # public dissent this year
        # rows of ring position c across all parties, for recycling one cohort per year in one operation
        ring = np.concatenate([np.arange(b.size) // b.rows_per_cohort for b in self.blocks]) if n else np.empty(0, int)
        order = np.argsort(ring, kind="stable")
        bounds = np.searchsorted(ring[order], np.arange(career_years + 1))
        self.ring_rows = [order[bounds[c] : bounds[c + 1]] for c in range(career_years)]
        self.block_sizes = np.array([b.size for b in self.blocks], dtype=np.intp)

    def spread(self, per_party: np.ndarray) -> np.ndarray:
        """A per-party array spread to every row: ``per_party[self.party]``, as one repeat over the parties' blocks
        (each party's rows are one block, in party order; several times faster than the gather)."""
        return np.repeat(per_party, self.block_sizes)

    @property
    def n_parties(self) -> int:
        """Number of parties with rows."""
        return len(self.blocks)

    def cohort_rows(self, year: int) -> np.ndarray:
        """Global row indices (all parties) at the ring position of ``year``."""
        return self.ring_rows[year % self.career_years]

    def cohort_mean(self, year: int, values: np.ndarray) -> np.ndarray:
        """Weighted mean of ``values`` over each party's rows at the ring position of ``year`` (0 if empty)."""
        rows = self.cohort_rows(year)
        party = self.party[rows]
        weight = np.bincount(party, weights=self.weight[rows], minlength=self.n_parties)
        total = np.bincount(party, weights=self.weight[rows] * values[rows], minlength=self.n_parties)
        return np.divide(total, weight, out=np.zeros_like(total), where=weight > 0)

    def per_party_sum(self, values: np.ndarray | None = None, mask: np.ndarray | None = None) -> np.ndarray:
        """Sum of ``values * weight`` (or of weight) over each party's rows, optionally restricted to ``mask``."""
        if mask is not None:  # the rows of the mask alone (the others would add zeros: the same sums)
            rows = np.flatnonzero(mask)
            w = self.weight[rows] if values is None else self.weight[rows] * values[rows]
            return np.bincount(self.party[rows], weights=w, minlength=self.n_parties)
        w = self.weight if values is None else self.weight * values
        return np.bincount(self.party, weights=w, minlength=self.n_parties)

    def per_party_mean(
        self, values: np.ndarray, mask: np.ndarray | None = None, weights: np.ndarray | None = None
    ) -> np.ndarray:
        """Weighted mean of ``values`` over each party's rows (0 for a party with no weight).

        ``weights``: the parties' total weights (``per_party_sum(None, mask)``) when already known.
        """
        num = self.per_party_sum(values, mask)
        den = self.per_party_sum(None, mask) if weights is None else weights
        return np.divide(num, den, out=np.zeros_like(num), where=den > 0)

    def opposition(self, params: Mapping[str, float]) -> np.ndarray:
        """Private opposition x of every row (see :func:`member_opposition`)."""
        return member_opposition(self.belief, self.careerism, self.reformism, self.sd_affinity, params)

    def types(self, year: int, conservative_tenure: int | None = None) -> np.ndarray:
        """Derived type of every row as an index into :data:`MEMBER_TYPES` (:meth:`~sim.vocab.TypeRule.
        member_types`), with ``conservative_tenure`` in place of the rule's when given."""
        if self.type_rule is None:
            raise ValueError("MemberTable.types: the table was built without a type_rule")
        rule = self.type_rule
        if conservative_tenure is not None and conservative_tenure != rule.conservative_tenure:
            rule = replace(rule, conservative_tenure=int(conservative_tenure))
        return rule.member_types(self.belief, self.careerism, self.reformism, self.sd_affinity, year - self.cohort)

    def type_shares(self, year: int, conservative_tenure: int | None = None) -> np.ndarray:
        """Weighted share of each member type per party, shape (parties, types)."""
        kinds = self.types(year, conservative_tenure)
        idx = self.party * len(MEMBER_TYPES) + kinds
        sums = np.bincount(idx, weights=self.weight, minlength=self.n_parties * len(MEMBER_TYPES))
        sums = sums.reshape(self.n_parties, len(MEMBER_TYPES))
        total = sums.sum(axis=1, keepdims=True)
        return np.divide(sums, total, out=np.zeros_like(sums), where=total > 0)


class PartyMembers:
    """One party's rows of the member table, as numpy views (writes go to the shared table)."""

    def __init__(self, table: MemberTable, block: PartyBlock):
        self.table = table
        self.block = block
        self.rows = slice(block.start, block.stop)

    def __len__(self) -> int:
        return self.block.size

    def __getattr__(self, column: str) -> np.ndarray:
        if column in MemberTable.FLOAT_COLUMNS or column in MemberTable.INT_COLUMNS or column == "dissent":
            return getattr(self.table, column)[self.rows]
        raise AttributeError(column)

    @property
    def total(self) -> float:
        """Real members represented: the sum of the rows' weights."""
        return float(self.table.weight[self.rows].sum())

    def mean(self, values: np.ndarray) -> float:
        """Weighted mean of a per-row array of this party (0 when the party has no members)."""
        w = self.table.weight[self.rows]
        total = w.sum()
        return float((w * values).sum() / total) if total > 0 else 0.0


class CitizenTable:
    """Citizens of every state as arrays: a fixed sample per state.

    Args:
        n_per_state: citizens sampled per state.
        n_states: number of states.
        rng: generator for the fixed traits.
        spread: standard deviation of dispositions (parameter ``opposition_spread``).
        pluralism: mean pluralism preference of voters (parameter ``voter_pluralism``), or one mean per state.
        pluralism_spread: its standard deviation (``voter_pluralism_spread``).
        threshold_mean, threshold_sd: personal dissent thresholds (``threshold_mean``, ``threshold_sd``).
        economy: mean economic preference, or one mean per state.
        economy_spread: its standard deviation (``voter_economy_spread``).
    """

    def __init__(
        self,
        n_per_state: int,
        n_states: int,
        rng: np.random.Generator,
        spread: float,
        pluralism: float,
        pluralism_spread: float,
        threshold_mean: float,
        threshold_sd: float,
        economy: float | np.ndarray,
        economy_spread: float,
    ):
        n = n_per_state * n_states
        self.n_per_state = n_per_state
        self.n_states = n_states
        self.state = np.repeat(np.arange(n_states, dtype=np.int32), n_per_state)
        self.disposition = rng.normal(0.0, spread, n)  # leaning against (+) or for (-) the regime
        self.threshold = rng.normal(threshold_mean, threshold_sd, n)  # personal threshold (risk aversion)
        state_mean = lambda value: np.broadcast_to(np.asarray(value, dtype=float), (n_states,))[self.state]  # noqa: E731
        # 1 = wants a fully planned economy; 1 = values pluralism fully (standard draws, then each state's mean)
        self.economy = np.clip(state_mean(economy) + economy_spread * rng.standard_normal(n), 0.0, 1.0)
        self.pluralism = np.clip(state_mean(pluralism) + pluralism_spread * rng.standard_normal(n), 0.0, 1.0)
        self.dissent = np.zeros(n, dtype=bool)

    def rows(self, state_index: int) -> slice:
        """The rows of one state's citizens."""
        return slice(state_index * self.n_per_state, (state_index + 1) * self.n_per_state)
