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
    "elections": "71c3ac46ae3aa6d92469684512cc18fe9d3b0be7d4e0747f3ca6e62b2c5723fc",
    "model": "25e017a67ada8f1cc759eda630133a8a85dac39d3a6f3a476b1394786ab93c5e",
    "parties": "3f5e0323e15d6a42aa848ec1cf49e5fd180dfe8f735de8bb9fe8985e2049fc9b",
    "events": "1230b26ee784af593419f829f5bfaf62fa95fb905fe3eab7fd597ca3166a0be7",
    "states": "ccea456e6aac16121a54339d8bbc9d7c0575b62421d905c78d0b6bc97dadc909",
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
