"""The model's mechanisms: each module keeps its pure equation functions and owns its part of the year.

A module with a yearly process has ``step(world)`` (listed in :data:`sim.year.SCHEDULE`) and, where it sets up
the start year, ``init(world)``; both gather inputs from the agents, call the equations and write results back.

- :mod:`~sim.mechanisms.borders`: break-ups of federations, unifications, emigration through opened borders.
- :mod:`~sim.mechanisms.founding`: parties founded on their dated year.
- :mod:`~sim.mechanisms.takeover`: takeovers by foreign armed backing or own revolution; coalitions; coups.
- :mod:`~sim.mechanisms.economy`: Kornai's chain (ownership, command, softness, shortage, performance, hardship).
- :mod:`~sim.mechanisms.seeding`: the members at the start year.
- :mod:`~sim.mechanisms.members`: belief erosion and renewal, trait drift, exits, recruitment, promotion.
- :mod:`~sim.mechanisms.legitimacy`: goal x belief, performance, imposition.
- :mod:`~sim.mechanisms.dissent`: Kuran threshold cascades among members and citizens; the demonstration effect.
- :mod:`~sim.mechanisms.crisis`: regimes meet mass protest (crackdown, standoff, concession).
- :mod:`~sim.mechanisms.movement`: the centres' year: alignment, splits and expulsion, intervention, funding.
- :mod:`~sim.mechanisms.leadership`: succession, the reform sequence, the sticky goal, transition.
- :mod:`~sim.mechanisms.elections`: free elections between Communists, social democrats and the rest.
- :mod:`~sim.mechanisms.recognition`: the recognition graph (feature F6).
"""
