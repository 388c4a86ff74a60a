"""Every mechanism parameter, defined once: default, range, unit, source.

This is the single home of the model's parameters (Starsim-style: one definition per module, each default on one
line). The scenario schema (:mod:`sim.scenario`), the model's keyword overrides, the ODD document's parameter
table and the sweep specs are all generated from :data:`PARAMETERS`. Names are unique across groups so that any
parameter can be overridden as a keyword argument: ``CommunistWorld("stylized", belief_erosion=0.3)``.

Sources are abbreviated; the full references are in ``docs/ODD.md``:

- *Brown 2009*: A. Brown, *The Rise and Fall of Communism*, ch. 2 (``shared/seed``).
- *Kornai 1992*: J. Kornai, *The Socialist System*, Princeton UP (the causal chain ownership -> coordination ->
  soft budget constraint -> shortage).
- *Kuran 1991*: T. Kuran, "Now out of never", *World Politics* 44 (preference falsification, thresholds).
- *Granovetter 1978*: "Threshold models of collective behavior", *AJS* 83.
- *Gompertz 1825*: "On the nature of the function expressive of the law of human mortality", *Phil. Trans. R. Soc.*
  115; *Finch 1990*: C. E. Finch, *Longevity, Senescence, and the Genome*, University of Chicago Press.
- *MODEL.md*: the project's starting design; "first operationalisation" marks a number chosen by us and recorded
  with its reason in ``docs/ODD.md``.
- *calibrated (stylized)*: tuned so that the MODEL.md patterns hold on ``sim/scenarios/stylized.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Param:
    """One model parameter.

    Attributes:
        name: unique identifier, also the keyword used to override it.
        group: the mechanism it belongs to (the ``[parameters.<group>]`` table of a scenario file).
        default: default value (float, or int when ``integer``).
        lo: smallest allowed value.
        hi: largest allowed value.
        unit: unit in words.
        doc: what it means, in one sentence.
        source: where the default comes from.
        integer: whether the parameter takes whole numbers.
        provenance: how the default was obtained (:data:`PROVENANCES`); derived from ``source`` unless given.
        target: for a ``fitted`` default, what it was fitted to; derived from ``source`` unless given.
    """

    name: str
    group: str
    default: float
    lo: float
    hi: float
    unit: str
    doc: str
    source: str
    integer: bool = False
    provenance: str = ""
    target: str = ""

    def __post_init__(self) -> None:
        if not self.provenance:
            object.__setattr__(self, "provenance", provenance_of(self.source))
        if self.provenance not in PROVENANCES:
            raise ValueError(f"parameter {self.name}: provenance {self.provenance!r} is not one of {PROVENANCES}")
        if self.provenance == "fitted" and not self.target:
            object.__setattr__(self, "target", _fit_target(self.source))
        if not self.lo <= self.default <= self.hi:
            raise ValueError(f"parameter {self.name}: default {self.default} outside [{self.lo}, {self.hi}]")


PROVENANCES = ("data", "literature", "assumption", "fitted")
"""How a default was obtained: ``data`` (read off a source's figures: party_stats.csv, a dated history), ``literature``
(the mechanism and its scale from a cited author; the number is our reading of it), ``assumption`` (a modelling
choice: MODEL.md's first operationalisations and ours), ``fitted`` (calibrated to a target, named in ``target``)."""
_LITERATURE = ("Brown 2009", "Kornai 1992", "Kuran 1991", "Granovetter 1978", "Duverger", "Hirschman")
_LITERATURE += ("Gompertz", "Finch")  # the demography of leaders' deaths (sim.mechanisms.tenure)


def _fit_target(source: str) -> str:
    """What a calibrated default was fitted to: the words after "calibrated" in its source."""
    target = source.split("calibrated", 1)[-1].strip()
    if target.startswith("(") and target.endswith(")"):
        target = target[1:-1]
    return target.strip(" ;:").removeprefix("on ") or source


def provenance_of(source: str) -> str:
    """The provenance a source string implies: calibrated -> fitted; an assumption or first operationalisation ->
    assumption; party_stats.csv or a dated history -> data; a cited author -> literature; MODEL.md alone ->
    assumption (its numbers are first operationalisations)."""
    if "calibrated" in source:
        return "fitted"
    if "assumption" in source or "first operationalisation" in source:
        return "assumption"
    if "party_stats.csv" in source or source.startswith("history:"):
        return "data"
    if any(author in source for author in _LITERATURE):
        return "literature"
    return "assumption"


_FIRST = "first operationalisation (MODEL.md)"
_CAL = "calibrated (stylized patterns; ODD section 8)"
_ASSUMED = "assumption (no source; a modelling choice recorded here)"

# fmt: off
_TABLE: list[Param] = [
    # -- features: thresholds of Brown's six defining features ---------------------------------------------------
    Param("monopoly_threshold", "features", 0.8, 0.5, 1.0, "share", "F1 holds when the ruling party's monopoly M is at least this", "Brown 2009 (F1); MODEL.md table"),
    Param("centralism_threshold", "features", 0.7, 0.4, 1.0, "share", "F2 holds when the ruling party's centralism D is at least this", "Brown 2009 (F2); MODEL.md table"),
    Param("ownership_threshold", "features", 0.6, 0.3, 1.0, "share", "F3 holds when non-agricultural state/social ownership O is at least this", "Brown 2009 (F3); MODEL.md table"),
    Param("command_threshold", "features", 0.6, 0.3, 1.0, "share", "F4 holds when the planned share of allocation C is at least this", "Brown 2009 (F4); MODEL.md table"),
    Param("goal_threshold", "features", 0.5, 0.1, 1.0, "share", "F5 holds when the declared goal G is at least this", "Brown 2009 (F5); MODEL.md table"),
    # -- economy: Kornai's chain ------------------------------------------------------------------------------------
    Param("ownership_inertia", "economy", 0.25, 0.0, 1.0, "1/year", "share of the gap to the ownership target O* closed each year", _CAL),
    Param("command_inertia", "economy", 0.3, 0.0, 1.0, "1/year", "share of the gap to the command target C* closed each year", _CAL),
    Param("capacity_floor", "economy", 0.5, 0.0, 1.0, "share", "weight of the floor in the state-capacity cap: O*, C* <= floor + (1-floor)*capacity", _FIRST),
    Param("transition_ownership", "economy", 0.25, 0.0, 1.0, "share", "ownership target of a state without a ruling Communist party (privatisation)", _FIRST),
    Param("transition_command", "economy", 0.1, 0.0, 1.0, "share", "command target of a state without a ruling Communist party (markets)", _FIRST),
    Param("shortage_softness", "economy", 0.55, 0.0, 2.0, "per unit", "shortage added per unit of budget softness S = O*C*M", "Kornai 1992 ch. 11-12"),
    Param("shortage_command", "economy", 0.35, 0.0, 2.0, "per unit", "shortage added per unit of command share C", "Kornai 1992 ch. 11-12"),
    Param("shortage_inertia", "economy", 0.5, 0.0, 1.0, "1/year", "share of the gap to the shortage level Z* closed each year", _FIRST),
    Param("performance_base", "economy", 0.5, 0.0, 1.0, "index", "performance of an economy with no shortage, no incoherence and no extensive-growth bonus", _FIRST),
    Param("performance_extensive", "economy", 0.45, 0.0, 1.0, "index", "extra performance of a young command economy (extensive growth), decaying with its age", "Kornai 1992 ch. 9; " + _CAL),
    Param("extensive_years", "economy", 45.0, 1.0, 100.0, "years", "e-folding time of the extensive-growth bonus", _CAL),
    Param("performance_shortage", "economy", 0.3, 0.0, 2.0, "per unit", "performance lost per unit of shortage Z", "Kornai 1992; " + _CAL),
    Param("incoherence_tolerance", "economy", 0.1, 0.0, 1.0, "share", "mismatch |C - O| that costs nothing (the classical system's O and C need not be equal)", _CAL),
    Param("performance_incoherence", "economy", 1.2, 0.0, 3.0, "per unit", "performance lost per unit of incoherence max(0, |C - O| - tolerance) (reform socialism)", "Kornai 1992 ch. 21; " + _CAL),
    Param("performance_market", "economy", 0.3, 0.0, 1.0, "per unit", "performance gained per unit of market allocation (1 - C) under a coherent ownership mix", _CAL),
    Param("performance_noise", "economy", 0.03, 0.0, 0.3, "index", "standard deviation of yearly performance shocks", _FIRST),
    Param("aid_performance", "economy", 0.1, 0.0, 1.0, "per unit", "performance added per unit of Soviet aid received (the aid driver: subsidised oil, credits, guaranteed purchases), lost when the aid ends", "history: Cuba's GDP fell by about a third in 1990-93 when Soviet aid ended; ODD section 8"),
    Param("debt_performance", "economy", 0.2, 0.0, 1.0, "per unit", "performance lost per unit of the debt driver (the service of Western hard-currency debt once new credit stopped, 1980-82)", "assumption (history: Poland's national income fell by about a quarter in 1979-82; at 0.2 Poland's debt costs two fifths of the base performance)"),
    Param("sovietisation_rate", "economy", 0.7, 0.0, 1.0, "1/year", "share of the gap to the ownership and command targets a new regime closes each year in its first sovietisation_years (nationalisation by decree and the first plan, not the slow drift of later years)", "assumption (history: the nationalisation decrees of Soviet Russia in 1917-18, the nationalisation laws of Czechoslovakia (1945) and Poland (1946) before the takeovers, Cuba's of 1959-60; each enacted most of the programme within two or three years)"),
    Param("sovietisation_years", "economy", 3, 0, 20, "years", "years after a takeover during which the economy moves at sovietisation_rate", "assumption (see sovietisation_rate)", integer=True),
    Param("hardship_shortage", "economy", 0.6, 0.0, 2.0, "per unit", "hardship per unit of shortage", _FIRST),
    Param("hardship_performance", "economy", 0.8, 0.0, 2.0, "per unit", "hardship per unit of performance below the base", _FIRST),
    # -- legitimacy -------------------------------------------------------------------------------------------------
    Param("legitimacy_goal", "legitimacy", 0.55, 0.0, 2.0, "per unit", "w_goal: legitimacy per unit of goal x mean member belief", "MODEL.md section 2; Brown 2009 (the goal legitimises rule)"),
    Param("legitimacy_performance", "legitimacy", 0.6, 0.0, 2.0, "per unit", "w_perf: legitimacy per unit of performance", "MODEL.md section 2"),
    Param("legitimacy_imposed", "legitimacy", 0.35, 0.0, 2.0, "per unit", "w_imposed: legitimacy lost per unit of Soviet dependence v", "MODEL.md section 2; Brown 2009 (imposed regimes)"),
    Param("legitimacy_inertia", "legitimacy", 0.5, 0.0, 1.0, "1/year", "share of the gap to the legitimacy level closed each year", _FIRST),
    Param("legitimacy_intercept", "legitimacy", 0.2, 0.0, 1.0, "legitimacy", "legitimacy of a state without a ruling Communist party at zero performance (L* = w_perf * P + intercept): judged on results, with no imposed rule to resent", _ASSUMED),
    # -- members: belief, recruitment, careers ------------------------------------------------------------------------
    Param("career_years", "members", 45, 10, 80, "years", "years a cohort stays in the party before it retires (length of the cohort ring)", _FIRST, integer=True),
    Param("founding_belief", "members", 0.9, 0.0, 1.0, "belief", "mean belief of the founding cohorts of a revolutionary party", "Brown 2009 (revolutionary fire); " + _CAL),
    Param("belief_erosion", "members", 0.3, 0.0, 2.0, "1/year", "belief lost per year per unit gap between promised and delivered performance", "MODEL.md section 2"),
    Param("market_disillusion", "members", 0.5, 0.0, 2.0, "per unit", "extra gap per unit of market reform times G: practice contradicting the declared goal", _CAL),
    Param("distance_discount", "members", 0.3, 0.0, 1.0, "share", "share of the defended model's shortfall that members of a party out of office perceive (they see it from afar)", "Brown 2009 (Hobsbawm: soldiers of one international army)"),
    Param("belief_renewal", "members", 0.05, 0.0, 1.0, "1/year", "belief regained per year per unit centralism (party education), times the commitment driver", "MODEL.md section 2"),
    Param("promise_level", "members", 0.75, 0.0, 1.0, "index", "performance the declared goal promises (gap = G*promise - performance)", _FIRST),
    Param("cohort_belief_discount", "members", 0.975, 0.5, 1.0, "ratio", "a new cohort's mean belief as a share of the previous cohort's (the fire dies away)", "MODEL.md section 2; Brown 2009; " + _CAL),
    Param("trait_concentration", "members", 14.0, 2.0, 100.0, "Beta a+b", "concentration of the Beta distributions recruits' traits are drawn from", _FIRST),
    Param("careerism_base", "members", 0.12, 0.0, 1.0, "share", "mean careerism of recruits when the party controls no careers", _FIRST),
    Param("careerism_control", "members", 0.55, 0.0, 1.0, "per unit", "extra mean careerism of recruits per unit of career control M*O", "MODEL.md section 2; " + _CAL),
    Param("careerism_crowds_belief", "members", 0.4, 0.0, 1.0, "share", "belief a fully careerist recruit lacks relative to the cohort mean", _CAL),
    Param("reformism_base", "members", 0.1, 0.0, 1.0, "share", "mean reformism of recruits when performance meets the promise", _FIRST),
    Param("reformism_gap", "members", 0.8, 0.0, 3.0, "per unit", "extra mean reformism of recruits per unit of performance gap", _FIRST),
    Param("reformism_learning", "members", 0.06, 0.0, 1.0, "1/year", "yearly rise of members' reformism per unit of performance gap", _FIRST),
    Param("sd_affinity_base", "members", 0.05, 0.0, 1.0, "share", "mean social-democratic affinity of recruits who believe", _FIRST),
    Param("sd_affinity_disbelief", "members", 0.45, 0.0, 1.0, "per unit", "extra mean social-democratic affinity of recruits per unit of disbelief", "Brown 2009 (closet social democrats)"),
    Param("sd_openness", "members", 0.06, 0.0, 1.0, "1/year", "yearly drift of disbelieving members toward social democracy per unit of openness 1-D", _FIRST),
    Param("careerist_loyalty", "members", 0.5, 0.0, 1.0, "share", "share of a member's private opposition that careerism cancels (x * (1 - loyalty * c)): careers depend on the party", _FIRST),
    Param("conservative_tenure", "members", 15, 1, 60, "years", "tenure after which a careerist counts as a conservative", "MODEL.md section 2", integer=True),
    Param("believer_belief", "members", 0.6, 0.3, 0.95, "belief", "a member (or leader) with belief b at least this is a believer", "MODEL.md section 2 (member types)"),
    Param("doubter_belief", "members", 0.4, 0.05, 0.7, "belief", "belief below which a careerist or a social democrat counts as one (careerist, closet social democrat)", "MODEL.md section 2 (member types)"),
    Param("careerist_careerism", "members", 0.6, 0.3, 0.95, "careerism", "careerism c from which a member without belief is a careerist", "MODEL.md section 2 (member types)"),
    Param("reformer_reformism", "members", 0.6, 0.3, 0.95, "reformism", "reformism r from which a member (or leader) is a reformer", "MODEL.md section 2 (member types)"),
    Param("social_democrat_affinity", "members", 0.6, 0.3, 0.95, "affinity", "social-democratic affinity s from which a member (or leader) without belief is a closet social democrat", "MODEL.md section 2 (member types); Brown 2009"),
    Param("reformer_leader_affinity", "members", 0.35, 0.0, 0.9, "affinity", "a reformist leader with at least this social-democratic affinity is a political reformer, below it an economic reformer", _FIRST),
    Param("attrition", "members", 0.012, 0.0, 0.2, "1/year", "yearly loss of members by death and lapse", _FIRST),
    Param("exit_monopoly", "members", 2.0, 0.0, 10.0, "per unit", "yearly exit share of careerists without belief per unit of monopoly below 1", "MODEL.md section 2"),
    Param("apparatus_years", "members", 25.0, 1.0, 100.0, "years", "e-folding time of the growth of the party-state apparatus a ruling party's membership follows", "party_stats.csv (CPSU 1921-1989, CCP 1949-2021)"),
    Param("recruit_speed", "members", 0.15, 0.0, 1.0, "1/year", "share of the gap to target membership recruited each year", _FIRST),
    Param("membership_ceiling", "members", 0.11, 0.0, 0.5, "share of adults", "membership share of adults a ruling party reaches with a full monopoly M = 1", "party_stats.csv (CPSU 9% of adults, 1971)"),
    Param("nonruling_membership", "members", 0.12, 0.0, 1.0, "members per vote", "members of a non-ruling party per unit of vote share, as a share of adults", "party_stats.csv (PCI, PCF)"),
    Param("adult_share", "members", 0.65, 0.3, 1.0, "share", "adults as a share of population", _FIRST),
    Param("rank_pyramid", "members", 0.35, 0.05, 0.9, "ratio", "target share of member slots at rank r+1 relative to rank r", _FIRST),
    Param("promotion_rate", "members", 0.25, 0.0, 1.0, "1/year", "yearly promotion probability of an eligible member when its next rank has vacancies", _FIRST),
    Param("reformer_screen", "members", 0.9, 0.0, 1.0, "share", "chance the apparatus blocks a reformer's promotion when D = h = 1 (scaled by D*h)", "MODEL.md section 2"),
    Param("other_route_belief", "members", 0.7, 0.0, 1.0, "ratio", "founding belief of the cohorts of a party brought to power by the other route, as a share of founding_belief (an army regime's vanguard believes less)", _ASSUMED),
    Param("founding_lead_years", "members", 15, 0, 60, "years", "years before its state's entry (or the start) year that a party is founded when the scenario gives no founding year", _ASSUMED, integer=True),
    Param("seniority_noise", "members", 3.0, 0.0, 20.0, "years", "standard deviation of the noise on seniority when the initial ranks are filled", _ASSUMED),
    Param("promotion_base", "members", 0.3, 0.0, 1.0, "share", "promotion factor of a member without careerism (p ~ promotion_base + promotion_careerism * c)", _ASSUMED),
    Param("promotion_careerism", "members", 0.7, 0.0, 1.0, "per unit", "promotion factor per unit careerism (careerists seek promotion)", _ASSUMED),
    Param("promotion_years", "members", 2, 1, 10, "years per rank", "tenure needed per rank before promotion to the next (tenure >= promotion_years * (rank + 1))", _ASSUMED, integer=True),
    Param("opposition_sd_weight", "members", 0.4, 0.0, 1.0, "per unit", "weight of social-democratic affinity s in a member's private opposition x", 'MODEL.md section 2 (x from s, r and 1-b); weights: assumption'),
    Param("opposition_reformism_weight", "members", 0.3, 0.0, 1.0, "per unit", "weight of reformism r in a member's private opposition x", 'MODEL.md section 2 (x from s, r and 1-b); weights: assumption'),
    Param("opposition_disbelief_weight", "members", 0.3, 0.0, 1.0, "per unit", "weight of disbelief 1 - b in a member's private opposition x", 'MODEL.md section 2 (x from s, r and 1-b); weights: assumption'),
    # -- dissent: Kuran thresholds ------------------------------------------------------------------------------------
    Param("member_orgs", "dissent", 12, 2, 100, "organisations", "party organisations per party (nodes of the horizontal-link network)", _FIRST, integer=True),
    Param("opposition_base", "dissent", 0.7, 0.0, 2.0, "share", "citizens' private opposition at zero legitimacy and hardship (x = base - L + k*H + d)", _CAL),
    Param("threshold_mean", "dissent", -0.4, -1.0, 1.0, "share", "mean personal dissent threshold before repression (negative: would dissent alone)", "Granovetter 1978; " + _CAL),
    Param("threshold_sd", "dissent", 0.2, 0.0, 1.0, "share", "standard deviation of personal dissent thresholds", "Granovetter 1978"),
    Param("career_risk", "dissent", 0.15, 0.0, 1.0, "per unit", "threshold rise of a member per unit careerism (dissent costs a career)", "Brown 2009 (no other employer)"),
    Param("threshold_repression", "dissent", 1.0, 0.0, 2.0, "per unit", "rise of every dissent threshold per unit of repression R", "Kuran 1991; " + _CAL),
    Param("threshold_opposition", "dissent", 1.0, 0.0, 2.0, "per unit", "fall of a threshold per unit of private opposition above one half", "Kuran 1991; " + _CAL),
    Param("repression_centralism", "dissent", 0.45, 0.0, 1.0, "per unit", "repression per unit of centralism D", "MODEL.md section 2; " + _CAL),
    Param("repression_capacity", "dissent", 0.45, 0.0, 1.0, "per unit", "repression per unit of domestic repression capacity", "MODEL.md section 2; " + _CAL),
    Param("repression_backing", "dissent", 0.6, 0.0, 1.0, "per unit", "repression per unit of Soviet backing h*v", "MODEL.md section 2; " + _CAL),
    Param("repression_personalism", "dissent", 0.3, 0.0, 1.0, "per unit", "repression per unit of personalism (terror, the cult of the leader)", "Brown 2009 (personal dictatorships)"),
    Param("civil_society_weight", "dissent", 0.3, 0.0, 1.0, "per unit", "fall of citizens' thresholds per unit of a state's civil society (institutions outside the party that link them)", "Kuran 1991; Brown 2009 (the Polish Church)"),
    Param("street_visibility", "dissent", 0.5, 0.0, 1.0, "share", "weight members give to street (citizen) dissent rather than their organisations'", _FIRST),
    Param("elite_signal", "dissent", 0.3, 0.0, 1.0, "share", "weight citizens give to dissent voiced inside the party", _FIRST),
    Param("contagion", "dissent", 0.35, 0.0, 1.0, "per unit", "threshold fall per unit share of peer regimes in the bloc that have already fallen", "Kuran 1991 (demonstration effects)"),
    Param("wave_contagion", "dissent", 0.35, 0.0, 1.0, "per unit", "threshold fall, within the year's cascade, per unit population share of regional peer regimes whose protest has already become a mass protest that year (the example before any fall)", "Lohmann 1994 (informational cascades, Leipzig 1989); level: assumption (as contagion)"),
    Param("sphere_example", "dissent", 1.0, 0.0, 1.0, "per unit", "weight of the Soviet sphere (the USSR and the regimes resting on its force, each by population times its dependence) in a state's demonstration effects (fallen peers, protests next door) per unit of its Soviet dependence v, in place of its region's: a regime that rests on Soviet force looks where its elites trained and its army comes from (Mongolia's democrats of 1989-90 took the East European revolutions as their example)", _ASSUMED),
    Param("contagion_opposition", "dissent", 0.3, 0.0, 1.0, "per unit", "citizens' private opposition per unit share of fallen peer regimes", "Kuran 1991 (demonstration effects)"),
    Param("opposition_hardship", "dissent", 0.5, 0.0, 2.0, "per unit", "citizens' private opposition per unit of hardship", _FIRST),
    Param("opposition_spread", "dissent", 0.18, 0.0, 1.0, "share", "standard deviation of citizens' dispositions toward the regime", _FIRST),
    Param("dissent_erodes_centralism", "dissent", 0.4, 0.0, 2.0, "per unit", "yearly fall of centralism per unit of public dissent inside the party", "Brown 2009 (centralism bans horizontal links)"),
    Param("fear_decay", "dissent", 0.05, 0.0, 1.0, "1/year", "yearly decay of the fear left by a crackdown or intervention", _FIRST),
    Param("fear_crackdown", "dissent", 0.35, 0.0, 1.0, "threshold", "threshold rise left by a successful crackdown or intervention", _FIRST),
    Param("cascade_iterations", "dissent", 30, 1, 200, "rounds", "most rounds of the within-year threshold cascade", _FIRST, integer=True),
    Param("opposition_cutoff", "dissent", 0.5, 0.0, 1.0, "opposition", "private opposition x above which a citizen or member is privately opposed (can dissent or emigrate); thresholds fall with x above it", "Kuran 1991; level: assumption"),
    Param("repression_max", "dissent", 1.5, 0.5, 3.0, "repression", "ceiling of repression R from all its sources together", _ASSUMED),
    Param("repression_recovery", "dissent", 0.2, 0.0, 1.0, "1/year", "share of the gap to its loyal apparatus (capacity * (1 - member dissent)) that a ruling party's repression capacity closes each year", _ASSUMED),
    Param("initial_repression", "dissent", 0.5, 0.0, 1.0, "share", "repression capacity of a state before Communist rule, as a share of its state capacity", _ASSUMED),
    # -- regime crisis and leadership ---------------------------------------------------------------------------------
    Param("crisis_dissent", "leadership", 0.25, 0.0, 1.0, "share", "public dissent share at which a regime is in crisis", _FIRST),
    Param("crackdown_success", "leadership", 1.0, 0.0, 1.0, "probability", "chance a crackdown by a loyal apparatus with full capacity succeeds", _FIRST),
    Param("overwhelming_dissent", "leadership", 0.45, 0.0, 1.0, "share", "public dissent at which a regime whose crackdown failed must concede", _FIRST),
    Param("apparatus_split", "leadership", 0.3, 0.0, 1.0, "share", "member dissent at which the apparatus no longer obeys and a failed crackdown forces a concession", _FIRST),
    Param("negotiation_force", "leadership", 0.8, 0.01, 1.0, "force", "force (1 - v) + v h at and above which a leadership facing mass protest never negotiates; below it talks come with chance 1 - force / this (times civil society for an orthodox leader)", "O'Donnell and Schmitter 1986 (pacts come when hard-liners can no longer count on force); level: assumption (Poland did not negotiate under the Soviet backing of 1981, force about 0.8)"),
    Param("concession_monopoly", "leadership", 0.4, 0.0, 1.0, "share", "monopoly lost when the party concedes to mass protest (round table, free elections)", _FIRST),
    Param("transition_monopoly", "leadership", 0.6, 0.0, 1.0, "share", "monopoly below which a ruling party calls founding free elections (held the next year)", _FIRST),
    Param("term_min", "leadership", 10, 1, 50, "years", "shortest regular term of a party leader", "MODEL.md section 2", integer=True),
    Param("term_max", "leadership", 20, 1, 60, "years", "longest regular term of a party leader", "MODEL.md section 2", integer=True),
    Param("crisis_removal", "leadership", 0.35, 0.0, 1.0, "probability", "yearly chance a leader is replaced while the regime is in crisis", _FIRST),
    Param("reformer_veto", "leadership", 1.0, 0.0, 1.0, "share", "chance the selectorate vetoes a reformer successor when D = h = 1 (scaled by D*h)", "MODEL.md section 2"),
    Param("glasnost_step", "leadership", 0.06, 0.0, 0.5, "1/year", "yearly fall of centralism under a political reformer (glasnost)", "MODEL.md section 2; " + _CAL),
    Param("reform_support_floor", "leadership", 0.15, 0.0, 1.0, "share", "pace of a political reformer whose top ranks hold no reformers, as a share of full pace", "history: Khrushchev's de-Stalinisation (1953-64) left democratic centralism in place"),
    Param("reform_support_full", "leadership", 0.3, 0.01, 1.0, "share", "mean reformism of the top two ranks above reformism_base that gives a political reformer full pace", _FIRST),
    Param("market_step", "leadership", 0.07, 0.0, 0.5, "1/year", "yearly rise of market reform under a reforming leader", "MODEL.md section 2"),
    Param("market_start", "leadership", 0.8, 0.0, 1.0, "centralism", "a political reformer starts market reform once centralism is below this", "MODEL.md section 2"),
    Param("election_start", "leadership", 0.7, 0.0, 1.0, "centralism", "a political reformer starts contested elections once centralism is below this", "calibrated (historical P11, the Soviet Union lost democratic centralism before the monopoly: 0.72 -> 0.7, equal to centralism_threshold, so that contested elections come once democratic centralism is gone, the sequence of MODEL.md section 2; at 0.72 the USSR lost F1 first in 6 of 30 seeds)"),
    Param("market_hegemony_max", "leadership", 0.7, 0.0, 1.0, "hegemony", "a political reformer starts market reform only once the centre's hegemony is below this (at h = 0.9 reform stays de-Stalinisation)", "history: Khrushchev (1953-64) kept the plan (the 1957 sovnarkhoz reform reorganised it by region); Gorbachev's Law on State Enterprise (1987) came as h fell; ODD section 8"),
    Param("election_hegemony_max", "leadership", 0.5, 0.0, 1.0, "hegemony", "a reformer concedes contested elections only once the centre's hegemony is below this", "MODEL.md section 2 (h binds the centre's own reformers too); " + _CAL),
    Param("election_step", "leadership", 0.14, 0.0, 1.0, "1/year", "yearly fall of monopoly once contested elections have begun", "MODEL.md section 2"),
    Param("glasnost_hegemony", "leadership", 0.83, 0.0, 1.0, "centralism per unit h", "centralism per unit of hegemony below which a political reformer cannot take the party (h = 0.9 keeps D >= 0.75: Khrushchev, not Gorbachev)", _FIRST),
    Param("glasnost_belief", "leadership", 0.83, 0.0, 1.0, "centralism per unit belief", "centralism per unit of the leader's belief in the goal below which a political reformer does not take its party (belief 0.9 keeps D >= 0.75: Khrushchev, not Gorbachev)", "calibrated (historical: Khrushchev, belief 0.9, left democratic centralism in place, D >= 0.75 in 1953-64; the factor of glasnost_hegemony it replaces for the hegemon's own party; ODD section 8.2)"),
    Param("market_belief_max", "leadership", 0.7, 0.0, 1.0, "belief", "a political reformer who believes in the goal at least this much keeps the plan (no market reform)", "calibrated (historical: Khrushchev, belief 0.9, kept the plan; the 1957 sovnarkhoz reform reorganised it by region; ODD section 8.2)"),
    Param("reform_pace_sd", "leadership", 0.3, 0.0, 2.0, "log sd", "standard deviation of the log of a political reformer's yearly pace (the Politburo's contingent balance)", _ASSUMED),
    Param("glasnost_floor", "leadership", 0.3, 0.0, 1.0, "centralism", "lowest centralism a political reformer drives the party to", _FIRST),
    Param("political_market_max", "leadership", 0.45, 0.0, 1.0, "market", "highest market reform a political reformer pursues", _FIRST),
    Param("political_private_max", "leadership", 0.2, 0.0, 1.0, "private", "highest ownership reform a political reformer pursues (perestroika kept state ownership)", "Kornai 1992 ch. 21"),
    Param("emulation_rate", "leadership", 3.0, 0.0, 20.0, "per unit", "hazard of an orthodox leadership's turn to market reform per unit of its top ranks' support times the performance its best reforming neighbour has over it (P = 1 - exp(-rate * support * gap))", "assumption (Vietnam's Doi Moi and Laos's New Economic Mechanism, both of 1986, came seven to eight years after China's reform began)"),
    Param("economic_market_max", "leadership", 0.75, 0.0, 1.0, "market", "highest market and ownership reform an economic reformer pursues", _FIRST),
    Param("restore_step", "leadership", 0.05, 0.0, 0.5, "1/year", "yearly restoration of centralism and monopoly under orthodox leaders", _FIRST),
    Param("recentralise_step", "leadership", 0.05, 0.0, 0.5, "1/year", "yearly fall of market reform under orthodox leaders", "Kornai 1992 ch. 21"),
    Param("consolidation_rate", "leadership", 0.3, 0.0, 1.0, "1/year", "share of the gap to the monopoly-pressure target closed each year", _CAL),
    Param("goal_drop", "leadership", 0.15, 0.0, 1.0, "1/year", "yearly fall of the declared goal once the leader disbelieves, prefers social democracy and h is low", "MODEL.md section 2; Brown 2009"),
    Param("goal_hegemony_max", "leadership", 0.4, 0.0, 1.0, "hegemony", "hegemony below which a leadership may drop the goal", "MODEL.md section 2"),
    Param("purge_rate", "leadership", 0.08, 0.0, 0.5, "1/year", "yearly share of doubting members purged per unit of personalism", _FIRST),
    Param("closet_pace", "leadership", 1.5, 1.0, 3.0, "ratio", "reform pace of a closet social democrat relative to a reformer", _ASSUMED),
    Param("political_private_pace", "leadership", 0.5, 0.0, 1.0, "ratio", "yearly ownership reform of a political reformer as a share of its market reform (market_step)", _ASSUMED),
    Param("economic_centralism_max", "leadership", 0.85, 0.0, 1.0, "centralism", "centralism an economic reformer restores the party to", _ASSUMED),
    Param("orthodox_centralism_max", "leadership", 0.9, 0.0, 1.0, "centralism", "centralism believers and conservatives restore the party to (an autocrat: 1)", _ASSUMED),
    Param("autocrat_speed", "leadership", 2.0, 1.0, 5.0, "ratio", "speed of an autocrat's restoration and re-centralisation relative to other orthodox leaders", _ASSUMED),
    Param("autocrat_personalism", "leadership", 0.5, 0.0, 1.0, "personalism", "personalism of a party at least once an autocrat is installed", _ASSUMED),
    Param("personalism_growth", "leadership", 0.1, 0.0, 1.0, "1/year", "yearly rise of personalism under an autocrat", _ASSUMED),
    Param("personalism_retention", "leadership", 0.8, 0.0, 1.0, "ratio", "share of its personalism a party keeps each year under a leader who is not an autocrat", _ASSUMED),
    Param("goal_restore", "leadership", 0.5, 0.0, 2.0, "ratio", "yearly restoration of the goal by believers and autocrats, as a share of goal_drop", _ASSUMED),
    Param("crackdown_legitimacy", "leadership", 0.05, 0.0, 1.0, "legitimacy", "legitimacy a state loses by a crackdown or an intervention", _ASSUMED),
    Param("reformer_profile_belief", "leadership", 0.5, 0.0, 1.0, "belief", "belief of a reformer leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("reformer_profile_careerism", "leadership", 0.3, 0.0, 1.0, "careerism", "careerism of a reformer leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("reformer_profile_reformism", "leadership", 0.9, 0.0, 1.0, "reformism", "reformism of a reformer leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("reformer_profile_sd_affinity", "leadership", 0.5, 0.0, 1.0, "affinity", "social-democratic affinity of a reformer leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("economic_reformer_profile_belief", "leadership", 0.45, 0.0, 1.0, "belief", "belief of a economic reformer leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("economic_reformer_profile_careerism", "leadership", 0.4, 0.0, 1.0, "careerism", "careerism of a economic reformer leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("economic_reformer_profile_reformism", "leadership", 0.85, 0.0, 1.0, "reformism", "reformism of a economic reformer leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("economic_reformer_profile_sd_affinity", "leadership", 0.15, 0.0, 1.0, "affinity", "social-democratic affinity of a economic reformer leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("closet_social_democrat_profile_belief", "leadership", 0.2, 0.0, 1.0, "belief", "belief of a closet social democrat leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("closet_social_democrat_profile_careerism", "leadership", 0.3, 0.0, 1.0, "careerism", "careerism of a closet social democrat leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("closet_social_democrat_profile_reformism", "leadership", 0.7, 0.0, 1.0, "reformism", "reformism of a closet social democrat leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("closet_social_democrat_profile_sd_affinity", "leadership", 0.85, 0.0, 1.0, "affinity", "social-democratic affinity of a closet social democrat leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("believer_profile_belief", "leadership", 0.9, 0.0, 1.0, "belief", "belief of a believer leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("believer_profile_careerism", "leadership", 0.2, 0.0, 1.0, "careerism", "careerism of a believer leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("believer_profile_reformism", "leadership", 0.1, 0.0, 1.0, "reformism", "reformism of a believer leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("believer_profile_sd_affinity", "leadership", 0.05, 0.0, 1.0, "affinity", "social-democratic affinity of a believer leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("conservative_profile_belief", "leadership", 0.3, 0.0, 1.0, "belief", "belief of a conservative leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("conservative_profile_careerism", "leadership", 0.8, 0.0, 1.0, "careerism", "careerism of a conservative leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("conservative_profile_reformism", "leadership", 0.1, 0.0, 1.0, "reformism", "reformism of a conservative leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("conservative_profile_sd_affinity", "leadership", 0.1, 0.0, 1.0, "affinity", "social-democratic affinity of a conservative leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("autocrat_profile_belief", "leadership", 0.75, 0.0, 1.0, "belief", "belief of a autocrat leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("autocrat_profile_careerism", "leadership", 0.5, 0.0, 1.0, "careerism", "careerism of a autocrat leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("autocrat_profile_reformism", "leadership", 0.0, 0.0, 1.0, "reformism", "reformism of a autocrat leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    Param("autocrat_profile_sd_affinity", "leadership", 0.0, 0.0, 1.0, "affinity", "social-democratic affinity of a autocrat leader installed by a driver or a mechanism (its profile)", _ASSUMED),
    # -- leaders are people: age, death, retirement, removal (sim/mechanisms/tenure.py) ------------------------------
    Param("leader_age_mean", "leadership", 52.5, 20.0, 90.0, "years", "mean age at taking office of a leader whose birth year is not given (drawn: Normal, clipped)", "history: the 22 leader events of the historical scenario that give a birth year (ages 27-77 at taking office; mean 52.5)"),
    Param("leader_age_sd", "leadership", 12.6, 0.0, 30.0, "years", "standard deviation of the drawn age at taking office", "history: the same 22 leader events (sample standard deviation 12.6 years)"),
    Param("leader_age_min", "leadership", 27, 18, 90, "years", "youngest drawn age at taking office", "history: the youngest of the same 22 (Kim Jong-un, 27 in 2011)", integer=True),
    Param("leader_age_max", "leadership", 77, 18, 100, "years", "oldest drawn age at taking office", "history: the oldest of the same 22 (Raul Castro, 77 in 2008)", integer=True),
    Param("leader_mortality_60", "leadership", 0.015, 0.0, 0.2, "1/year", "Gompertz death hazard of a leader aged 60 with health 1 (m60 in mu(x) = health m60 exp(b (x - 60)))", "assumption: a privileged elite's level, near that of western European men of the 1970s-80s in period life tables (Soviet men as a whole were nearer 0.025 at 60); not fitted. Check: a man in office at 55 then has a median age at death of about 78, against 69-87 for the leaders who died in office (Andropov 69, Chernenko 73, Stalin 74, Brezhnev 75, Hoxha 76, Mao 82, Kim Il-sung 82, Tito 87)"),
    Param("leader_mortality_slope", "leadership", 0.087, 0.0, 0.2, "1/year", "Gompertz slope b: the yearly rise of the log death hazard with age", "Gompertz 1825 (mortality rises exponentially with adult age); Finch 1990 (human mortality rate doubles about every 8 years: b = ln 2 / 8)"),
    Param("retirement_age", "leadership", 70, 40, 100, "years", "age from which a leader's retirement hazard rises", "assumption: the bloc's leaders who left office alive and unforced did so in their late seventies or eighties (Kadar 76, Castro 80, Deng 85, Raul Castro 89); the hazard starts earlier so that it reaches them there"),
    Param("retirement_rate", "leadership", 0.02, 0.0, 1.0, "1/year per year", "rise of the yearly retirement hazard per year of age past retirement_age: rho(x) = rate max(0, x - retirement_age)", "assumption: with retirement_age 70, about 60% of the survivors to 77 and 10% to 85 are still in office"),
    Param("personalism_shield", "leadership", 1.0, 0.0, 1.0, "per unit", "how far the party's personalism P shields its leader from its own apparatus: the Politburo removes a leader in a crisis with probability crisis_removal (1 - shield P), and after a concession he did not want with probability 1 - shield P (else the army overthrows him)", "assumption: a personal dictator has purged the oligarchy that could remove him (Brown 2009 on personal dictatorships; Ceausescu 1989, overthrown by force, not voted out as Honecker, Zhivkov and Jakes were)"),
    # -- movement: alignment, splits, recognition, intervention --------------------------------------------------------
    Param("alignment_own_revolution", "movement", 0.02, 0.0, 0.5, "1/year", "yearly fall of an own-revolution party's alignment with the centre", "Brown 2009 (own revolutions resist hegemony)"),
    Param("revolution_autonomy", "movement", 0.3, 0.0, 1.0, "share", "share of its alignment a party loses by winning power through its own revolution", "Brown 2009 (own revolutions and Soviet hegemony)"),
    Param("alignment_distance", "movement", 0.1, 0.0, 2.0, "1/year", "yearly fall of alignment per unit ideological distance from the centre's leadership, times 1 - r (r: reliance on Soviet force or aid)", "Brown 2009 (China c.1960); calibrated on the historical scenario (China breaks c.1959, Vietnam does not; ODD section 8)"),
    Param("alignment_neutral_distance", "movement", 0.05, 0.0, 1.0, "orthodoxy", "ideological distance at which a party neither drifts from nor toward the centre", _CAL),
    Param("alignment_dependence", "movement", 0.15, 0.0, 1.0, "1/year", "yearly pull of alignment toward 1 per unit reliance on Soviet force or aid r = 1 - (1 - v)(1 - aid)", _FIRST),
    Param("alignment_interference", "movement", 0.12, 0.0, 1.0, "per act", "alignment an own-revolution party loses per admonition or intervention", "MODEL.md section 2"),
    Param("alignment_noise", "movement", 0.02, 0.0, 0.2, "1/year", "standard deviation of yearly alignment shocks", _FIRST),
    Param("out_of_office_autonomy", "movement", 0.2, 0.0, 1.0, "share", "weight of ideological distance in the alignment drift of a party out of office, relative to a ruling party that does not rest on Soviet force (it has no state of its own to lean on)", "Brown 2009 (Hobsbawm: soldiers of one international army); " + _CAL),
    Param("split_threshold", "movement", 0.3, 0.0, 1.0, "alignment", "a party whose alignment falls below this splits or is expelled", "MODEL.md section 2"),
    Param("readmit_threshold", "movement", 0.5, 0.0, 1.0, "alignment", "an expelled party is recognised again once alignment is above this and hostility has faded", _FIRST),
    Param("hostility_decay", "movement", 0.12, 0.0, 1.0, "1/year", "yearly decay of the hostility an expulsion leaves (faster under a reforming centre)", _FIRST),
    Param("rival_centre_population", "movement", 150.0, 0.0, 2000.0, "millions", "smallest population of a split-off ruling party's state that can found a rival centre", "MODEL.md section 2 (Beijing)"),
    Param("rival_hegemony", "movement", 0.6, 0.0, 1.0, "hegemony", "self-enforcement of a party outside Moscow's camp: a rival centre's authority over its camp, an independent party's over itself (no army to send)", _FIRST),
    Param("autonomy_deviation", "movement", 0.3, 0.0, 2.0, "per unit", "deviation the centre reads per unit of a party's independence 1 - A", _FIRST),
    Param("intervention_steepness", "movement", 12.0, 0.0, 50.0, "1/unit", "s in p = 1 / (1 + exp(-s (h v doctrine - m))): intervention probability in a deviating bloc state", "MODEL.md section 2"),
    Param("intervention_midpoint", "movement", 0.4, 0.0, 1.0, "h*v", "m: Soviet leverage h*v at which intervention in a deviating bloc state is even odds", _FIRST),
    Param("intervention_hegemony_min", "movement", 0.7, 0.0, 1.0, "hegemony", "hegemony below which the centre no longer sends troops (its enforcement is no longer credible, whatever the doctrine says)", "Brown 2009 (Gorbachev, 1986-89); " + _CAL),
    Param("intervention_dissent", "movement", 0.25, 0.0, 1.0, "share", "public dissent that counts as deviation for the centre", "MODEL.md section 2 (1953, 1956)"),
    Param("reformer_deviation", "movement", 0.15, 0.0, 1.0, "per unit", "deviation the centre reads per unit of a bloc leader's reformism", _FIRST),
    Param("installed_term", "movement", 20, 1, 60, "years", "term of the conservative leader an intervention installs (the centre keeps the leader it put in office; a crisis may still remove it)", "history: Kadar (Hungary 1956-88), Husak (Czechoslovakia 1969-87); ODD section 8", integer=True),
    Param("restore_monopoly", "movement", 0.95, 0.0, 1.0, "share", "monopoly an intervention restores", "MODEL.md section 2"),
    Param("restore_centralism", "movement", 0.9, 0.0, 1.0, "share", "centralism an intervention restores", "MODEL.md section 2"),
    Param("funding_effect", "movement", 0.03, 0.0, 1.0, "1/year", "yearly pull toward the centre of a funded non-ruling party per unit budget", "Brown 2009 (International Department funding)"),
    Param("orthodoxy_margin", "movement", 0.05, 0.0, 0.5, "share", "margin above each feature threshold (M, D, G) that the centre treats as orthodox: it watches for drift toward the edge of the category", _ASSUMED),
    Param("hostility_threshold", "movement", 0.2, 0.0, 1.0, "hostility", "hostility above which parties of two sides do not recognise each other, and an expelled party is not readmitted", _ASSUMED),
    Param("leverage_min", "movement", 0.2, 0.0, 1.0, "share", "reliance on Soviet force or aid (for an own-revolution party: aid) below which a party resents an admonition instead of complying", _ASSUMED),
    Param("admonition_compliance", "movement", 0.05, 0.0, 1.0, "per unit", "rise of D and A of a complying party per unit of the centre's leverage (h * r)", _ASSUMED),
    Param("reforming_centre_hostility", "movement", 2.0, 1.0, 5.0, "ratio", "speed of hostility decay under a centre led by a reformer, relative to hostility_decay", _ASSUMED),
    Param("camp_distance", "movement", 0.25, 0.0, 1.0, "orthodoxy", "ideological distance below which a ruling party that split joins an existing rival centre's camp", _ASSUMED),
    Param("bloc_regime_years", "movement", 2, 0, 20, "years", "years a regime must have ruled before the centre may intervene in it", _ASSUMED, integer=True),
    Param("limited_sovereignty_factor", "movement", 1.25, 1.0, 3.0, "ratio", "factor on h*v in the intervention probability under the limited-sovereignty (Brezhnev) doctrine", "MODEL.md section 2; size: assumption"),
    Param("restore_goal", "movement", 0.9, 0.0, 1.0, "share", "declared goal an intervention restores", _ASSUMED),
    Param("intervention_dependence", "movement", 0.1, 0.0, 1.0, "v", "Soviet dependence an intervention adds (the troops stay)", _ASSUMED),
    Param("restore_alignment", "movement", 0.9, 0.0, 1.0, "alignment", "alignment an intervention restores in a party that did not make its own revolution", _ASSUMED),
    # -- enforcement: the hegemon's leadership decides (sim.mechanisms.enforcement) -------------------------------------
    Param("enforce_stance_full", "enforcement", 0.8, 0.05, 1.0, "belief or orthodoxy", "max(belief, 1 - reformism) of the hegemon's leader at which it enforces with full stance (a believer or a conservative; a reformer who no longer believes falls short)", _ASSUMED),
    Param("enforce_discipline_low", "enforcement", 0.55, 0.0, 1.0, "centralism", "centralism of the hegemon's party at which its leadership can no longer agree to enforce abroad", _ASSUMED),
    Param("enforce_discipline_high", "enforcement", 0.75, 0.0, 1.0, "centralism", "centralism of the hegemon's party from which its discipline at home no longer limits enforcement abroad", _ASSUMED),
    Param("enforce_reformers", "enforcement", 1.0, 0.0, 5.0, "per unit", "fall of resolve per unit of top-rank reformism in the hegemon's party above enforce_reformers_ref", _ASSUMED),
    Param("enforce_reformers_ref", "enforcement", 0.5, 0.0, 1.0, "reformism", "top-rank reformism of the hegemon's party above which its reformers weaken enforcement", "calibrated (historical: full resolve under Stalin and Brezhnev, whose top ranks held a mean reformism of 0.4 to 0.6)"),
    Param("enforce_strain", "enforcement", 0.3, 0.0, 1.0, "per unit", "fall of resolve per unit of strain (economic shortfall, war, aid burden, legitimacy gap)", _ASSUMED),
    Param("war_strain", "enforcement", 0.4, 0.0, 2.0, "per unit", "strain per unit of the war driver of the hegemon (Afghanistan 1979-89)", _ASSUMED),
    Param("aid_strain", "enforcement", 0.2, 0.0, 2.0, "per unit", "strain per unit of aid pledged, weighted by the recipients' population relative to the hegemon's", _ASSUMED),
    Param("enforce_legitimacy_ref", "enforcement", 0.3, 0.0, 1.0, "legitimacy", "legitimacy of the hegemon below which its legitimacy gap adds to strain", _ASSUMED),
    Param("credibility_learning", "enforcement", 1.0, 0.0, 1.0, "1/year", "share of the way the publics' belief in the centre's backing moves toward its hegemony in a year that tests it (a mass protest in the camp or the host, troops arriving or leaving, an intervention, a doctrine proclaimed or withdrawn)", _ASSUMED),
    Param("credibility_drift", "enforcement", 0.1, 0.0, 1.0, "1/year", "share of the way the publics' belief in the centre's backing moves toward its hegemony in a year that does not test it", _ASSUMED),
    Param("enforce_adjust", "enforcement", 0.5, 0.0, 1.0, "1/year", "yearly share of the way hegemony (the enforcement the centre stands ready to carry out, as the regimes know it) moves toward reach * resolve", _ASSUMED),
    Param("tolerance_min", "enforcement", 0.1, 0.0, 1.0, "deviation", "the centre's tolerance of deviation at full resolve (Stalin, Brezhnev)", "history: the tolerance schedule this replaces (0.1 under Stalin and Brezhnev); ODD section 8"),
    Param("tolerance_max", "enforcement", 0.5, 0.0, 2.0, "deviation", "the centre's tolerance of deviation at no resolve", "history: the tolerance schedule this replaces (0.5 after 1988); ODD section 8"),
    Param("tolerance_curve", "enforcement", 2.0, 1.0, 4.0, "exponent", "curvature of tolerance in the lost resolve (1 - R): above 1 a resolute leadership tolerates little and tolerance grows fast only as resolve goes", "calibrated (historical: a tolerance of about 0.1 under Brezhnev, so that the reform of 1968 meets an intervention, P4b)"),
    Param("renounce_resolve", "enforcement", 0.3, 0.0, 1.0, "resolve", "resolve below which the centre renounces force (the freedom-of-choice doctrine)", _ASSUMED),
    Param("restore_resolve", "enforcement", 0.6, 0.0, 1.0, "resolve", "resolve above which a later leadership withdraws the freedom of choice", _ASSUMED),
    Param("freedom_of_choice_factor", "enforcement", 0.3, 0.0, 1.0, "ratio", "share of reach * resolve that hegemony moves toward once force is renounced", _ASSUMED),
    Param("settle_support", "enforcement", 0.75, 0.0, 1.0, "share", "share of its peak reliance on outside backing (troops or aid paid) below which a regime at war with an outside-backed insurgency may negotiate a settlement", _ASSUMED),
    Param("settle_probability", "enforcement", 0.4, 0.0, 1.0, "1/year", "yearly chance that a regime at war whose patron's support has gone negotiates (the war ends; free elections)", _ASSUMED),
    Param("aid_full_resolve", "enforcement", 0.7, 0.05, 1.0, "resolve", "resolve from which the hegemon pays its aid pledges in full", "calibrated (historical: Vietnam, Cuba and Laos never break with Moscow, J-ALLY: Brezhnev's leadership paid its pledges in full)"),
    Param("aid_will_floor", "enforcement", 0.5, 0.0, 1.0, "share", "share of its aid pledges the hegemon pays at no resolve while its party rules (nothing once it has lost office)", _ASSUMED),
    Param("admission_years", "movement", 5, 1, 30, "years", "years a ruling party outside the movement must hold F1, F2 and F5 before the centre recognises it", _ASSUMED, integer=True),
    Param("budget_comintern", "movement", 1.0, 0.0, 1.0, "share", "share of its budget a centre pays out to the non-ruling parties of its camp in the Comintern phase", _ASSUMED),
    Param("budget_cominform", "movement", 0.6, 0.0, 1.0, "share", "share of its budget a centre pays out to the non-ruling parties of its camp in the Cominform phase", _ASSUMED),
    Param("budget_international_department", "movement", 0.8, 0.0, 1.0, "share", "share of its budget a centre pays out to the non-ruling parties of its camp in the International Department phase", _ASSUMED),
    Param("budget_none", "movement", 0.3, 0.0, 1.0, "share", "share of its budget a centre pays out to the non-ruling parties of its camp between institutions", _ASSUMED),
    # -- elections ----------------------------------------------------------------------------------------------------
    Param("election_interval", "elections", 4, 1, 10, "years", "years between free elections", _FIRST, integer=True),
    Param("vote_pluralism_weight", "elections", 2.5, 0.0, 10.0, "per unit", "weight voters give to distance on the pluralism axis", "MODEL.md section 2"),
    Param("vote_economy_weight", "elections", 1.0, 0.0, 10.0, "per unit", "weight voters give to distance on the economic axis", "MODEL.md section 2"),
    Param("vote_temperature", "elections", 0.18, 0.01, 2.0, "utility", "noise of vote choice (logit temperature)", _FIRST),
    Param("communist_economy", "elections", 0.9, 0.0, 1.0, "left-right", "economic position of a Communist party (1 = fully planned)", _FIRST),
    Param("social_democratic_economy", "elections", 0.6, 0.0, 1.0, "left-right", "economic position of a social-democratic party", _FIRST),
    Param("other_economy", "elections", 0.3, 0.0, 1.0, "left-right", "economic position of the other (centre-right) parties", _FIRST),
    Param("pluralist_position", "elections", 0.95, 0.0, 1.0, "pluralism", "pluralism position of social-democratic and other parties", "Brown 2009 (means and ends)"),
    Param("voter_pluralism", "elections", 0.75, 0.0, 1.0, "pluralism", "mean pluralism preference of voters", _CAL),
    Param("voter_pluralism_spread", "elections", 0.2, 0.0, 1.0, "pluralism", "standard deviation of voters' pluralism preferences", _CAL),
    Param("vote_retrospective", "elections", 1.0, 0.0, 5.0, "per unit", "utility a party in office gains per unit of its state's legitimacy above one half (retrospective voting)", _CAL),
    Param("mass_party_share", "elections", 0.02, 0.001, 0.2, "share of adults", "membership (as a share of adults) at which a Communist party has a mass organisation's full valence", _FIRST),
    Param("plurality_penalty", "elections", 0.35, 0.0, 2.0, "utility", "weight of log expected share in voters' utility under plurality voting (wasted votes)", "Duverger's law; first operationalisation"),
    Param("organisation_valence", "elections", 0.3, 0.0, 2.0, "utility", "utility bonus of a Communist mass party per unit of its members' mean belief (militant organisation), scaled down for a smaller party", _FIRST),
    Param("market_position_shift", "elections", 0.5, 0.0, 1.0, "ratio", "shift of a Communist party's economic position toward the market per unit of market reform, as a share of its position", _ASSUMED),
    Param("voter_economy_spread", "elections", 0.2, 0.0, 1.0, "left-right", "standard deviation of voters' economic preferences", _ASSUMED),
    # -- takeover -----------------------------------------------------------------------------------------------------
    Param("takeover_backing_min", "takeover", 0.3, 0.0, 1.0, "h*v", "smallest Soviet backing h*v with which a soviet_backed takeover succeeds", "Brown 2009 (foreign armed backing)"),
    Param("installed_monopoly", "takeover", 0.85, 0.0, 1.0, "share", "monopoly right after a takeover with foreign armed backing", _CAL),
    Param("installed_centralism", "takeover", 0.85, 0.0, 1.0, "share", "centralism right after a takeover with foreign armed backing", _FIRST),
    Param("revolution_monopoly", "takeover", 0.85, 0.0, 1.0, "share", "monopoly right after an own revolution", _FIRST),
    Param("revolution_centralism", "takeover", 0.9, 0.0, 1.0, "share", "centralism right after an own revolution", _FIRST),
    Param("other_monopoly", "takeover", 0.55, 0.0, 1.0, "share", "monopoly of a party brought to power by a coup or other route", _FIRST),
    Param("other_centralism", "takeover", 0.45, 0.0, 1.0, "share", "centralism of a party brought to power by a coup or other route", _FIRST),
    Param("other_goal", "takeover", 0.6, 0.0, 1.0, "share", "declared goal of a party brought to power by a coup or other route", _FIRST),
    Param("merger_absorption", "takeover", 0.5, 0.0, 1.0, "share", "share of a social-democratic party's members absorbed by a forced merger", "history: KPD-SPD merger 1946"),
    Param("coalition_monopoly", "takeover", 0.2, 0.0, 1.0, "share", "monopoly of a Communist party serving in an elected coalition", "Brown 2009 (Chile 1970-73)"),
    Param("installed_alignment", "takeover", 0.95, 0.0, 1.0, "alignment", "alignment with Moscow of a party installed with foreign armed backing (at least)", _ASSUMED),
    Param("merger_belief", "takeover", 0.25, 0.0, 1.0, "belief", "mean belief of the social democrats a forced merger absorbs", _ASSUMED),
    Param("merger_sd_affinity", "takeover", 0.75, 0.0, 1.0, "affinity", "mean social-democratic affinity of the social democrats a forced merger absorbs", _ASSUMED),
    Param("takeover_repression", "takeover", 0.8, 0.0, 1.0, "share", "repression capacity right after a takeover, as a share of state capacity (at least)", _ASSUMED),
    Param("coup_membership", "takeover", 0.3, 0.0, 1.0, "share", "share of its members a Communist party keeps after a military coup", _ASSUMED),
    # -- borders: break-ups, unifications, borders opened ----------------------------------------------------------
    Param("breakup_rate", "borders", 0.4, 0.0, 1.0, "1/year", "yearly probability that a federation whose ruling party lost its monopoly or office breaks up", "calibrated (historical: the three Communist federations broke up 1.5-3 years after the party's monopoly ended (Yugoslavia 1990-91, the USSR 1990-91, Czechoslovakia 1989-92): a mean wait of about 2 years; in-sample, estimated from the cases the model reproduces)"),
    Param("unification_rate", "borders", 0.7, 0.0, 1.0, "1/year", "yearly probability that a state that left communism unifies with its named neighbour", "calibrated (historical: East Germany unified with West Germany 10 months after the SED gave up its leading role (Dec 1989 - Oct 1990): a yearly hazard of about 1.2, probability 0.7; in-sample, one case)"),
    Param("border_emigration", "borders", 0.05, 0.0, 1.0, "share/year", "yearly share of privately opposed citizens who can leave through a neighbour whose regime has opened its border", "history: about 344,000 East Germans left in 1989 (2% of 16.4 million), most through Hungary and Czechoslovakia after Hungary opened its border; about 0.05 of the privately opposed"),
    Param("border_centralism", "borders", 0.75, 0.0, 1.0, "centralism", "centralism below which a regime led by a political reformer opens its border (before it loses F1 or F2)", "assumption: Hungary's reformers cut the border fence in May 1989, before the party gave up its monopoly in law (October 1989); glasnost most of the way to the F2 line"),
    # -- dated events: what a scenario's events do ------------------------------------------------------------------
    Param("market_opening_market", "events", 0.5, 0.0, 1.0, "market", "market reform a market_opening policy event sets at least (private trade and small enterprise legalised: NEP)", "history: NEP (1921); level: assumption"),
    Param("market_opening_private", "events", 0.3, 0.0, 1.0, "private", "ownership reform a market_opening policy event sets at least", "history: NEP (1921); level: assumption"),
    Param("party_rule_centralism", "events", 0.15, 0.0, 1.0, "centralism", "centralism a party_rule event adds (e.g. the 1921 ban on factions)", _ASSUMED),
]
# fmt: on

PARAMETERS: MappingProxyType[str, Param] = MappingProxyType({p.name: p for p in _TABLE})
"""All parameters by name."""

GROUPS: tuple[str, ...] = tuple(dict.fromkeys(p.group for p in _TABLE))
"""Parameter groups in the order they are documented."""

if len(PARAMETERS) != len(_TABLE):  # pragma: no cover - guards the table above
    raise RuntimeError("duplicate parameter names in sim.params")


def defaults() -> dict[str, float]:
    """All parameters at their defaults, by name."""
    return {p.name: p.default for p in _TABLE}


def by_group(group: str) -> list[Param]:
    """Parameters of one group, in table order."""
    return [p for p in _TABLE if p.group == group]


class Parameters(dict):
    """Resolved parameter values with attribute access (``params.belief_erosion``).

    The instance is its own attribute dictionary, so ``params.name`` is a plain lookup (the mechanisms read
    parameters hundreds of thousands of times a run); no parameter may be named like a method of ``dict``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        clash = sorted(name for name in self if hasattr(dict, name))
        if clash:
            raise ValueError(f"parameters named like dict methods: {clash}")
        self.__dict__ = self

    def __reduce__(self):
        return type(self), (dict(self),)  # pickled and copied through __init__, so the copy is its own dictionary too

    def __getattr__(self, name: str) -> float:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"unknown parameter {name!r}") from None
