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
    "elections": "d344cb9a7fcd88ff15d1cde17b756cdfc8d4d8f0d24a614abc429f6e5f83586a",
    "model": "3309786ef1665212c134b154f998510e909ecdaee44c102380563cd24341213a",
    "parties": "91bb0fc4a16e692fa1c977d5bc64abee1c702dac825167b91b0add41715670a9",
    "events": "ab76aa1519b6959c307be121aec83f8dd461df6bce6a49016400124cf1955077",
    "states": "dea8640787050ee529c4eaa9df07fcc0303236a380704fc4c8c9f862c6923966",
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
