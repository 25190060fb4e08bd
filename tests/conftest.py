"""Shared fixtures. Prefect's home (its database and result storage) is a fresh temporary folder for
every test session, set before Prefect is imported: the test harness does not isolate stored results,
and a second session would otherwise get cached task results from the first."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import shutil
import tempfile
from pathlib import Path

_PREFECT_HOME = tempfile.mkdtemp(prefix="crm-tests-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_RESULTS_LOCAL_STORAGE_PATH"] = str(Path(_PREFECT_HOME) / "storage")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_LOGGING_TO_API_BATCH_INTERVAL"] = "0.3"
os.environ.pop("PREFECT_API_URL", None)
os.environ["CRM_GX_ROOT"] = str(Path(_PREFECT_HOME) / "gx_project")
os.environ.setdefault("CRM_LANDING_STABLE_SECONDS", "0")  # files written by a test land at once (default 60 s)
# GX in memory, no Data Docs: rebuilding the Data Docs after every checkpoint re-renders every validation the
# session has stored, so it grew slower with each gate. The tests that check the Data Docs ask for the file
# context (test_pipeline's operator week, test_gates, test_site).
os.environ.setdefault("CRM_GX_CONTEXT", "ephemeral")

import pytest  # noqa: E402

from connectors.demo.generator import generate  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEMO_PEOPLE = 400
DEMO_SEED = 11


@contextlib.contextmanager
def _shared(tmp_path_factory, name: str):
    """A folder every pytest-xdist worker of this session shares, created by the first one that gets the lock:
    the demo data and the built warehouse are made once per session, not once per worker."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the session's folder, above each worker's own
    folder = root / f"shared-{name}"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield folder, (folder / ".done").exists()
            (folder / ".done").touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def demo_landing(tmp_path_factory) -> Path:
    """A small demo landing folder, generated once per session. Tests must not modify it: copy it."""
    with _shared(tmp_path_factory, "demo") as (folder, ready):
        if not ready:
            shutil.rmtree(folder, ignore_errors=True)
            generate(DEMO_PEOPLE, DEMO_SEED, folder / "landing")
    return folder / "landing"


@pytest.fixture
def landing_copy(demo_landing, tmp_path) -> Path:
    target = tmp_path / "landing"
    shutil.copytree(demo_landing, target)
    return target


@pytest.fixture(scope="session")
def built_warehouse(demo_landing, tmp_path_factory):
    """The demo landed and built with dbt (models, tests, unit tests) once per session. Copy it to change it."""
    from datetime import date

    from connectors.common.landing import land_stream
    from connectors.sources import RAW_TABLES, all_streams
    from crm.dbt_runner import DbtSummary, run_dbt
    from crm.warehouse import connect, ensure_schema

    with _shared(tmp_path_factory, "built") as (folder, ready):
        warehouse = folder / "warehouse.duckdb"
        if not ready:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            with connect(warehouse) as con:
                ensure_schema(con, RAW_TABLES)
                for stream in all_streams(demo_landing):
                    land_stream(con, stream)
            summary = run_dbt(["build"], warehouse, date(2026, 11, 25))
            (folder / "summary.json").write_text(json.dumps(dataclasses.asdict(summary)))
    return warehouse, DbtSummary(**json.loads((folder / "summary.json").read_text()))


@pytest.fixture
def warehouse_copy(built_warehouse, tmp_path) -> Path:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built_warehouse[0], copy)
    return copy


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


# Module scope, not session: Playwright's sync API marks an asyncio loop as running in the main thread for
# as long as it is started, and Prefect then hands every later flow call, block save and client call back as
# an un-awaited coroutine (CI ran the tests in one process and failed five of them that way).
@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Chromium for the report test: .ci/run installs the Debian package 'chromium'")
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def no_event_loop_left_running(request):
    """Fail with the cause, not with "'coroutine' object has no attribute", if a loop leaks into a test."""
    import asyncio

    if "browser" not in request.fixturenames and asyncio._get_running_loop() is not None:
        pytest.fail("an asyncio loop is still running in the main thread (a session-wide Playwright?)")
    yield


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    # 20 s on an idle machine; over 180 s with five test suites and benchmarks sharing 2 cores (load 30): the
    # first test of the worker failed on the start, not on what it tests
    with prefect_test_harness(server_startup_timeout=600):
        yield


# The slowest work first (longest processing time first): with two workers, the long tests start at once and
# the many short ones fill in around them, so both workers finish together. The first worker builds the session
# warehouse for the deployment test while the second runs the operator week (test_pipeline.py builds its own),
# so neither waits on the other's lock.
# Paths are relative to the repository; anything not named here keeps the collection order.
SLOWEST_FIRST = (
    "tests/flows/test_deployments.py",
    "tests/flows/test_pipeline.py",
    "tests/connectors/sources/test_more_sources.py",
    "tests/dbt/test_identity_resolution.py",
    "tests/crm/test_dbt_runner.py",
    "tests/connectors/sources/test_stream_contract.py",
)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the xdist_group marks
def pytest_collection_modifyitems(config, items):
    """Tests that share a module-scoped fixture run on one xdist worker (an `xdist_group` per module, which
    `--dist loadgroup` honours), so the fixture is made once per session instead of once per worker; then the
    slowest modules go first (pyproject: `--dist loadgroup --no-loadscope-reorder` keeps this order)."""
    for item in items:
        fixture_defs = getattr(item, "_fixtureinfo", None)
        scopes = {d.scope for defs in (fixture_defs.name2fixturedefs.values() if fixture_defs else []) for d in defs}
        if scopes & {"module", "class", "package"}:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))

    def rank(item) -> int:
        path = item.nodeid.split("::")[0]
        return SLOWEST_FIRST.index(path) if path in SLOWEST_FIRST else len(SLOWEST_FIRST)

    items.sort(key=rank)  # stable: the rest stays in collection order


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_PREFECT_HOME, ignore_errors=True)
