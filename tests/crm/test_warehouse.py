"""A second run beside one that holds the warehouse waits for it, or stops with one clear sentence."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from crm.warehouse import WarehouseBusy, connect

HOLD = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def _holder(path, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "holding"
    return process


def test_a_busy_warehouse_is_one_clear_sentence_not_a_lock_error(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    holder = _holder(path, 20)
    try:
        with pytest.raises(WarehouseBusy) as raised, connect(path, wait_s=0.5):
            pass
    finally:
        holder.kill()
        holder.wait()
    message = str(raised.value)
    assert "in use by another run" in message and f"process {holder.pid}" in message
    assert "CRM_WAREHOUSE_WAIT_SECONDS" in message and "IO Error" not in message


def test_a_second_run_waits_for_the_first_to_let_go(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    holder = _holder(path, 1.5)
    started = time.monotonic()
    with connect(path, wait_s=30) as con:
        assert con.execute("select 42").fetchone() == (42,)
    assert time.monotonic() - started >= 1.0
    holder.wait()
