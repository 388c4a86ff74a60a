"""The recognition graph: feature F6, and the movement network the dashboard draws.

The graph (a networkx DiGraph whose nodes are Communist parties and centres) has an edge ``u -> p`` when ``u`` (a
centre, or another ruling Communist party) recognises ``p`` as a member of the movement (Brown 2009: what
mattered was that Communists inside and outside the country recognised the party as Communist, whatever its
name). A centre recognises the parties of its camp; a ruling party recognises the parties of its own camp, and
those of no camp or of another unless hostility left by a split or expulsion is above ``hostility_threshold``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from sim.vocab import Role

if TYPE_CHECKING:
    from sim.agents import PartyAgent
    from sim.model import CommunistWorld


def step(world: CommunistWorld) -> None:
    """This year's recognition graph (F6): :meth:`Movement.rebuild`."""
    world.movement.rebuild(world)


class Movement:
    """The recognition graph (networkx DiGraph): parties and centres as nodes, recognition as edges."""

    def __init__(self) -> None:
        self.graph = nx.DiGraph()
        self._recognised: set[str] = set()

    @staticmethod
    def _recognises(q: PartyAgent, p: PartyAgent, active_camps: set[str], hostile: float) -> bool:
        cq = q.camp if q.camp in active_camps else None
        cp = p.camp if p.camp in active_camps else None
        if cq is not None and cp is not None:
            return cq == cp
        if cq is not None:
            return p.hostility.get(cq, 0.0) < hostile
        if cp is not None:
            return q.hostility.get(cp, 0.0) < hostile
        return True

    def rebuild(self, model: CommunistWorld) -> None:
        """Recompute the edges for this year and apply only the difference to the graph."""
        hostile = model.params.hostility_threshold
        active = [c for c in model.centres if c.active]
        active_camps = {c.code for c in active}
        members = [p for p in model.communist_parties if p.movement_member and p.exists]
        rulers = [q for q in members if q.role == Role.RULING]
        nodes = {p.code: {"kind": "party", "state": p.state.code, "role": p.role, "camp": p.camp} for p in members}
        nodes.update(
            {c.code: {"kind": "centre", "state": c.host.code, "role": "centre", "camp": c.code} for c in active}
        )
        edges = {(c.code, p.code) for c in active for p in members if p.camp == c.code}
        edges |= {
            (q.code, p.code)
            for q in rulers
            for p in members
            if p is not q and self._recognises(q, p, active_camps, hostile)
        }
        graph = self.graph
        graph.remove_nodes_from([n for n in graph.nodes if n not in nodes])
        for node, attrs in nodes.items():
            if node in graph:
                graph.nodes[node].update(attrs)
            else:
                graph.add_node(node, **attrs)
        graph.remove_edges_from([e for e in graph.edges if e not in edges])
        graph.add_edges_from(sorted(e for e in edges if not graph.has_edge(*e)))
        self._recognised = {v for u, v in edges if u != v}

    def is_recognised(self, party_code: str) -> bool:
        """F6: whether some centre or another ruling Communist party recognises the party."""
        return party_code in self._recognised
