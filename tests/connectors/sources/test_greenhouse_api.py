"""The Greenhouse Harvest client against a local server: paging, incremental cursor, rate limits, failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.common.http import Backoff
from connectors.common.landing import land_stream
from connectors.sources import RAW_TABLES, all_streams
from connectors.sources.greenhouse.api import GreenhouseError, GreenhouseSettings, pull
from crm.warehouse import connect, ensure_schema
from tests.servers.harvest_server import API_KEY, HarvestServer, make_objects

START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    with connect(path) as con:
        ensure_schema(con, RAW_TABLES)
    return path


def settings(server: HarvestServer, **overrides) -> GreenhouseSettings:
    values = dict(api_key=API_KEY, base_url=server.url, per_page=40, timeout_s=1.0, backoff=Backoff(base_s=0.01))
    values.update(overrides)
    return GreenhouseSettings(**values)


def pull_and_land(warehouse: Path, landing: Path, config: GreenhouseSettings, sleeps: list | None = None):
    with connect(warehouse) as con:
        files = pull(con, landing, config, sleep=(sleeps.append if sleeps is not None else lambda s: None))
        results = [r for s in all_streams(landing, ["greenhouse"]) for r in land_stream(con, s)]
    return files, results


def test_pages_by_link_header_and_lands_every_object(warehouse, tmp_path):
    with HarvestServer(make_objects(100, START)) as server:
        files, results = pull_and_land(warehouse, tmp_path / "landing", settings(server))
        pages = [p for p, _ in server.requests if p == "/v1/candidates"]
    assert len(pages) == 3  # 40 + 40 + 20, following Link rel="next"
    assert len(files) == 9  # three endpoints: candidates, applications, scorecards
    with connect(warehouse, read_only=True) as con:
        assert (
            con.execute("select count(distinct source_record_id) from raw.greenhouse_candidates").fetchone()[0] == 100
        )
        assert con.execute("select count(*) from raw.greenhouse_applications").fetchone()[0] == 100
        assert con.execute("select count(*) from raw.greenhouse_scorecards").fetchone()[0] == 100
    assert sum(r.records_quarantined for r in results) == 0


def test_second_pull_asks_for_updates_since_the_cursor_minus_lookback_and_loads_nothing_new(warehouse, tmp_path):
    landing = tmp_path / "landing"
    objects = make_objects(30, START)
    with HarvestServer(objects) as server:
        pull_and_land(warehouse, landing, settings(server))
        server.requests.clear()
        files, results = pull_and_land(warehouse, landing, settings(server))
        params = server.requests[0][1]
    assert "updated_after" in params
    asked = datetime.strptime(params["updated_after"], "%Y-%m-%dT%H:%M:%S.000Z").replace(tzinfo=UTC)
    assert timedelta(minutes=14) < datetime.now(UTC) - asked < timedelta(minutes=16)
    assert files == [] and sum(r.records_landed for r in results) == 0


def test_late_updates_inside_the_lookback_are_pulled_again(warehouse, tmp_path):
    landing = tmp_path / "landing"
    now = datetime.now(UTC)
    objects = make_objects(5, now - timedelta(days=1))
    with HarvestServer(objects) as server:
        pull_and_land(warehouse, landing, settings(server))
        # an update stamped a few minutes before the last pull finished (it arrived late)
        objects["candidates"][0]["updated_at"] = (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        objects["candidates"][0]["first_name"] = "Changed"
        files, _ = pull_and_land(warehouse, landing, settings(server))
    assert len(files) == 1
    with connect(warehouse, read_only=True) as con:
        latest = con.execute("""select record->>'first_name' from raw.greenhouse_candidates
                                where source_record_id = '1000' order by loaded_at desc, load_id desc limit 1""").fetchone()
    assert latest == ("Changed",)


def test_429_waits_for_retry_after_and_5xx_timeouts_and_drops_are_retried(warehouse, tmp_path):
    sleeps: list = []
    with HarvestServer(make_objects(10, START)) as server:
        server.failures = ["429", "500", "drop", "slow", "ok"]
        files, _ = pull_and_land(warehouse, tmp_path / "landing", settings(server), sleeps)
    assert len(files) == 3  # one page per endpoint
    assert sleeps[0] == 1.0  # the server's Retry-After
    assert len(sleeps) == 4


def test_a_rejected_key_names_the_setting_and_moves_no_cursor(warehouse, tmp_path):
    with HarvestServer(make_objects(3, START)) as server:
        with pytest.raises(GreenhouseError, match="GREENHOUSE_API_KEY"):
            pull_and_land(warehouse, tmp_path / "landing", settings(server, api_key="wrong"))
    with connect(warehouse, read_only=True) as con:
        assert con.execute("select count(*) from audit.cursors").fetchone()[0] == 0


def test_a_server_that_keeps_failing_ends_with_a_clear_error(warehouse, tmp_path):
    with HarvestServer(make_objects(3, START)) as server:
        server.failures = ["500"] * 10
        with pytest.raises(GreenhouseError, match="500"):
            pull_and_land(warehouse, tmp_path / "landing", settings(server, max_attempts=3))


def test_a_missing_key_is_a_clear_error(warehouse, tmp_path):
    with pytest.raises(GreenhouseError, match="GREENHOUSE_API_KEY is not set"):
        pull_and_land(warehouse, tmp_path / "landing", GreenhouseSettings(api_key=None))


def test_a_next_link_to_another_host_stops_the_pull_and_the_key_never_leaves_the_configured_host(warehouse, tmp_path):
    with HarvestServer(make_objects(100, START)) as other, HarvestServer(make_objects(100, START)) as server:
        server.next_base = other.url.replace("127.0.0.1", "localhost")  # a Link header pointing elsewhere
        with pytest.raises(GreenhouseError, match="another host") as raised:
            pull_and_land(warehouse, tmp_path / "landing", settings(server))
        assert other.requests == [] and other.authorizations == []
        assert all(auth for auth in server.authorizations)  # the configured host did get the key
    assert "localhost" in str(raised.value) and API_KEY not in str(raised.value)
    with connect(warehouse, read_only=True) as con:
        assert con.execute("select count(*) from audit.cursors").fetchone()[0] == 0


def test_a_next_link_back_to_a_page_already_fetched_stops_the_pull(warehouse, tmp_path):
    with HarvestServer(make_objects(200, START)) as server:
        server.next_page_override = (3, 2)  # page 3 says its next page is page 2 again
        with pytest.raises(GreenhouseError, match="already fetched"):
            pull_and_land(warehouse, tmp_path / "landing", settings(server))
        assert len([p for p, _ in server.requests if p == "/v1/candidates"]) == 3
