"""The model's mechanisms, one function each, with its equation and source in the docstring.

- :mod:`~sim.mechanisms.economy`: Kornai's chain (ownership, command, softness, shortage, performance, hardship).
- :mod:`~sim.mechanisms.legitimacy`: goal x belief, performance, imposition.
- :mod:`~sim.mechanisms.members`: belief erosion and renewal, trait drift, exits, recruitment, promotion.
- :mod:`~sim.mechanisms.dissent`: Kuran threshold cascades among members and citizens.
- :mod:`~sim.mechanisms.leadership`: succession, the reform sequence, the sticky goal, regime crises.
- :mod:`~sim.mechanisms.movement`: alignment, splits and expulsion, intervention, funding, recognition (F6).
- :mod:`~sim.mechanisms.elections`: free elections between Communists, social democrats and the rest.
- :mod:`~sim.mechanisms.takeover`: takeovers by foreign armed backing or own revolution; coalitions; coups.
"""
