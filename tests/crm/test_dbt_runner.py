"""dbt in-process: a killed build is rebuilt in full, never "resumed" from results it did not write, and two
warehouses never share dbt's state."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import date

import pytest

from crm.dbt_runner import BUILD_STATE, DbtFailed, build_or_retry, next_dbt_command, target_dir
from crm.warehouse import connect

AS_OF = date(2026, 11, 25)
BUILD = "from datetime import date; import sys; from crm.dbt_runner import build_or_retry; build_or_retry(sys.argv[1], date(2026, 11, 25))"


def _break_one_application(warehouse) -> None:
    with connect(warehouse) as con:
        con.execute(
            'update raw.greenhouse_applications set record = json_merge_patch(record, \'{"status": "withdrawn"}\') '
            "where source_record_id = (select min(source_record_id) from raw.greenhouse_applications)"
        )


def test_a_build_killed_mid_way_is_rebuilt_in_full(warehouse_copy, tmp_path):
    _break_one_application(warehouse_copy)
    with pytest.raises(DbtFailed):
        build_or_retry(warehouse_copy, AS_OF)
    assert next_dbt_command(warehouse_copy, AS_OF)[0] == ["retry"]  # a finished failure is resumed

    # the operator's retry starts and is killed (kill -9, OOM, a reboot) while dbt runs
    state = target_dir(warehouse_copy) / BUILD_STATE
    process = subprocess.Popen([sys.executable, "-c", BUILD, str(warehouse_copy)])
    deadline = time.monotonic() + 120
    while json.loads(state.read_text()).get("outcome") != "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)  # dbt is working by now
    process.send_signal(signal.SIGKILL)
    process.wait()

    # run_results.json is still the earlier failure's: resuming from it would skip what the killed run undid
    command, _ = next_dbt_command(warehouse_copy, AS_OF)
    assert command[0] == "build"


def test_a_build_state_cut_short_by_a_crash_means_a_full_build(tmp_path):
    """A process killed while writing last_build.json (a full disk, a crash) must not stop the next run."""
    from connectors.sources import RAW_TABLES
    from crm.warehouse import ensure_schema

    warehouse = tmp_path / "warehouse.duckdb"
    with connect(warehouse) as con:
        ensure_schema(con, RAW_TABLES)
    state = target_dir(warehouse) / BUILD_STATE
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text('{"warehouse": "/x", "outcome": "fai')
    assert next_dbt_command(warehouse, AS_OF)[0][0] == "build"


def test_each_warehouse_has_its_own_dbt_state(tmp_path):
    first, second = tmp_path / "a" / "warehouse.duckdb", tmp_path / "b" / "warehouse.duckdb"
    assert target_dir(first) != target_dir(second)
    assert target_dir(first).parent.parent == first.parent  # beside the warehouse, not in the checkout


def test_the_project_is_parsed_once_per_warehouse_name_in_a_process(tmp_path, monkeypatch):
    """Warehouses named alike share one parse; a second name gets its own and does not evict the first (a
    process that alternates between two names parsed the project again on every switch: 15 s each)."""
    from dbt.cli.main import dbtRunner

    from crm import dbt_runner

    parses = []
    real_invoke = dbtRunner.invoke

    def counting_invoke(self, args, **kwargs):
        if args and args[0] == "parse":
            parses.append(args)
        return real_invoke(self, args, **kwargs)

    monkeypatch.setattr(dbt_runner, "_MANIFESTS", {})
    monkeypatch.setattr(dbtRunner, "invoke", counting_invoke)
    for stem in ("alpha", "beta", "alpha", "beta"):
        assert dbt_runner._manifest(tmp_path / stem / f"{stem}.duckdb", AS_OF) is not None
    assert dbt_runner._manifest(tmp_path / "elsewhere" / "alpha.duckdb", AS_OF) is not None
    assert len(parses) == 2
