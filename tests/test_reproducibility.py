"""A seeded run is reproducible to the byte: refactoring must not move a single number.

The hashes below are the Parquet files of ``uv run sim run historical --seed 7`` recorded on ``main`` before the
architecture rework (issue 10). They depend on the exact Parquet bytes, hence on the pyarrow version pinned in
``uv.lock`` (26.0.1 when they were recorded; its zstd codec and metadata) as well as on the model: after a pyarrow
upgrade that changes the file layout, re-record them (and check ``tests/test_baseline.py``, which compares values,
not bytes).
"""

from __future__ import annotations

import hashlib

import pyarrow

from sim import output, runner

PYARROW_RECORDED = "26.0.1"
HISTORICAL_SEED_7 = {
    "elections": "894b6524a243324fe1caf9b9a7e328452bad8cd34e63a1f38833bf4c86c1cfad",
    "model": "90d107c66ef07919a2cee4942c59977c6894d542190c7c9447cbbbf2a19eb489",
    "parties": "95f352f0ec6b310bf518caa1eafa055f542a795287c04e77b31d87b7a66df9ea",
    "events": "d06fb84e043d3d6c6a929f95636d1e45eb09e01c992c5362f282d7df186c4bb6",
    "states": "38b271b308888c856904eb9753767c7cf8c19555a5ec6a2e082d4b099d92fc64",
}


def test_historical_seed_7_parquet_bytes_are_unchanged(tmp_path):
    assert pyarrow.__version__ == PYARROW_RECORDED, (
        f"pyarrow {pyarrow.__version__} is not the version the hashes were recorded with ({PYARROW_RECORDED}): "
        "re-record them with `uv run sim run historical --seed 7` on a commit whose results are known to be right"
    )
    result = runner.run("historical", seed=7, progress=False)
    got = {}
    for table in runner.TABLES:
        path = tmp_path / f"{table}.parquet"
        output.write_parquet(result.frames[table], path)
        got[table] = hashlib.sha256(path.read_bytes()).hexdigest()
    assert got == HISTORICAL_SEED_7
