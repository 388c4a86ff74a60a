"""The model's year, declared: :data:`SCHEDULE`, the steps :meth:`sim.model.CommunistWorld.step` runs in order.

Each step names a process and the ``step(world)`` function of the module that owns it (Starsim's integration
loop): adding a process is one module and one line here. The process overview of the model's docstring and of
ODD section 3 is generated from this declaration (``sim docs``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim import drivers, events
from sim.mechanisms import (
    borders,
    crisis,
    dissent,
    economy,
    elections,
    enforcement,
    founding,
    leadership,
    legitimacy,
    members,
    movement,
    recognition,
    settlement,
    takeover,
)
from sim.schedule import Step

if TYPE_CHECKING:
    from sim.model import CommunistWorld


def collect(world: CommunistWorld) -> None:
    """The model's observation of the year: its DataCollector's series and tables (``CommunistWorld._collect``)."""
    world._collect()


SCHEDULE: tuple[Step, ...] = (
    Step("drivers", drivers.step, "the movement's reach (and a laboratory's hegemony and tolerance levers); each "
         "state's population (from `population_points`), commitment, monopoly pressure, emigration, war and the aid "
         "pledged; then the year's dated events in file order (7.10)."),
    Step("enforcement", enforcement.step, "the hegemon's leadership decides how far it enforces orthodoxy abroad "
         "(`enforcement.resolve`: its leader's stance, its party's discipline and top ranks, its economy, war, aid "
         "and legitimacy): hegemony, tolerance, the freedom-of-choice doctrine, the share of its aid pledges it "
         "pays."),
    Step("settlements", settlement.step, "a regime at war with an outside-backed insurgency whose patron no "
         "longer pays most of its aid pledge negotiates (`settlement.settles`): the war ends, free elections "
         "follow."),
    Step("borders", borders.step, "a federation whose ruling party lost its monopoly or office may break up "
         "(`borders.break_up`); a state that left communism may unify with its named neighbour and end "
         "(`borders.unify`); every state's population is its trend times its core share plus the states merged into "
         "it (`borders.populations`); emigration rises where a neighbour's regime has opened its border "
         "(`borders.open_exits`)."),
    Step("founding", founding.step, "every party whose `founded` year has come becomes legal opposition; a "
         "Communist party joins the first centre's camp and its founders wait in `pending_recruits`."),
    Step("takeovers", takeover.step, "a takeover by its route in every state whose `entry_year` has come, if its "
         "Communist party neither rules already nor is dissolved."),
    Step("economy", economy.step, "Kornai's chain in every state: ownership and command toward the party's "
         "targets, softness, shortage, performance, hardship."),
    Step("members", members.step, "perceived gap, belief, trait drift, exits and purges, retirement and the "
         "year's cohort, promotions, over all member rows at once."),
    Step("legitimacy", legitimacy.step, "every state's legitimacy moves toward its level."),
    Step("dissent", dissent.step, "fear decays; the regional demonstration effect (`dissent.fallen_peers`); "
         "emigration of privately opposed citizens (`dissent.emigrate`) where an emigration driver is set; the "
         "threshold cascade (`dissent.threshold_cascade`) in every Communist-ruled state at once; then open dissent "
         "inside each ruling party erodes its centralism and its state's repression capacity."),
    Step("crisis responses", crisis.step, "every ruling party facing mass protest cracks down, holds on or "
         "concedes (`crisis.crisis_response`), before its leadership's year and the centre's response."),
    Step("ruling parties", leadership.step, "the leader's belief follows its cohort (`leadership.follow_cohort`); "
         "succession when the leader dies, retires (`tenure.exit_by_age`), ends a term or was removed in the "
         "crisis (`draw_successor`); the leader's programme "
         "(`reform_program`); the sticky goal (`sticky_goal`); the transition check."),
    Step("centres", movement.step, "a centre whose host party left office dissolves; otherwise hostility decays, "
         "then (Moscow only) alignment, funding, splits, readmission, and intervention or admonition against the "
         "deviation of the year's reforms, admission of new members (`movement.centre_acts`)."),
    Step("credibility", enforcement.learn, "the publics' belief in the centre's backing moves toward its "
         "hegemony, fast in a year that tested it (a mass protest in its host or camp, troops arriving or leaving, an "
         "intervention, a doctrine: `enforcement.tests`), slowly otherwise (`enforcement.learn`)."),
    Step("free elections", elections.step, "where due (`elections.election_due`)."),
    Step("recognition graph", recognition.step, "the edges of this year's recognition graph (F6)."),
    Step("status", events.step, "every state's six features and status (`features.classify`) and the event log "
         "of every change (`events.feature_change_text`)."),
    Step("data collection", collect, "the model series and the `states` and `parties` tables the "
         "model was asked to collect, in the years it collects them (section 10); the `events` and `elections` "
         "tables are filled as things happen."),
)  # fmt: skip
"""The year, in order: each step is a process of the module that owns it (ODD section 3 is generated from it)."""
