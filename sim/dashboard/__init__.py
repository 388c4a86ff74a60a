"""The live dashboard (a Solara app in :mod:`sim.dashboard.app`, served by ``sim dashboard``)."""
