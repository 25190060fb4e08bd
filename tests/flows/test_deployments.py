"""Operations end to end, with the commands the README gives: `make server` (a Prefect server and a process
worker; Ctrl-C stops both), `make deploy` (prefect.yaml), `make run-deployment` from a terminal without
PREFECT_API_URL, the `send-nurture/weekly` deployment sending a built warehouse's batch through a SendGrid
test server that fails half-way, and a retry of the same flow run through the API, as the UI's Retry button
does. Every message arrives exactly once. (The whole pipeline's run, summary and artifacts are tested in-process in
test_pipeline.py; here what matters is what a worker, the deployments and a Retry do.)"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from connectors.sinks.sendgrid.client import make_client
from connectors.sinks.sendgrid.settings import SendGridSettings
from crm.warehouse import connect
from outbound.templates import upload
from tests.conftest import REPO
from tests.servers.sendgrid_server import API_KEY, FailurePlan, MailSendServer

BIN = Path(sys.executable).parent
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(what: str, check, timeout_s: float, every_s: float = 1.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (value := check()) is not None:
            return value
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def sendgrid():
    with MailSendServer() as server:
        # the account as an operator sets it up: the project's templates uploaded (make upload-templates)
        settings = SendGridSettings(api_key=API_KEY, api_url=server.host)
        upload(make_client(settings), settings)
        yield server


@pytest.fixture(scope="module")
def make_server(tmp_path_factory, sendgrid):
    """`make server` as an operator starts it (a Prefect server and a process worker), in its own process group
    like a terminal's foreground job; stopped with SIGINT to the group, as Ctrl-C does, which must leave no
    process of the group behind."""
    home = tmp_path_factory.mktemp("prefect-server")
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_PORT": str(port),
        "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(home / "storage"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_UI_ENABLED": "false",
        # no scheduled runs of the hourly deployments in the middle of the test (they would use data/)
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
        "SENDGRID_API_KEY": API_KEY,
        "SENDGRID_API_URL": sendgrid.host,
        "SENDGRID_MAX_ATTEMPTS": "4",
    }
    env.pop("PREFECT_API_URL", None)
    log = open(home / "make-server.log", "w")
    make = subprocess.Popen(
        ["make", "server"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )

    def healthy():
        try:
            return True if httpx.get(f"{api}/health", timeout=2).status_code == 200 else None
        except httpx.HTTPError:
            return None

    try:
        _wait_for("the Prefect server", healthy, 180)
        yield {**env, "PREFECT_API_URL": api}, api, home / "make-server.log"
    finally:
        os.killpg(make.pid, signal.SIGINT)  # Ctrl-C
        try:
            make.wait(60)
        finally:
            left = _group_alive(make.pid)
            if left:
                os.killpg(make.pid, signal.SIGKILL)
            log.close()
        assert not left, (
            "Ctrl-C on make server left processes running:\n" + (home / "make-server.log").read_text()[-2000:]
        )


def _group_alive(pgid: int, wait_s: float = 20) -> bool:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.5)
    return True


def test_a_failed_send_run_retried_from_the_api_completes_and_sends_each_message_once(
    make_server, sendgrid, built_warehouse, tmp_path
):
    env, api, server_log = make_server
    deployed = subprocess.run(["make", "deploy"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    with httpx.Client(base_url=api, timeout=30) as client:
        names = {(d["name"]) for d in client.post("/deployments/filter", json={}).json()}
        assert {"hourly", "nightly", "weekly", "daily", "end-to-end", "on-request"} <= names
        limits = {c["name"]: c["limit"] for c in client.post("/v2/concurrency_limits/filter", json={}).json()}
        ours = {name: limit for name, limit in limits.items() if not name.startswith("deployment:")}
        assert ours == {"warehouse": 1, "sink-sendgrid": 1, "sink-career-relay": 1}
        # one per deployment, send-alerts included
        assert sorted(limit for name, limit in limits.items() if name.startswith("deployment:")) == [1] * 10

        warehouse = tmp_path / "warehouse.duckdb"
        shutil.copyfile(built_warehouse[0], warehouse)
        # two requests go through, then SendGrid fails until the run gives up: the run fails half-way;
        # after that a third of the requests fail at random (429, 500, dropped connections)
        # two requests go through, then SendGrid fails until the run gives up: the run fails half-way;
        # after that a third of the requests fail at random (429 and 500; a cut connection leaves a batch in
        # doubt, which tests/outbound covers)
        sendgrid.plan = FailurePlan(
            script=["ok", "ok"] + ["500"] * 4,
            random_rate=0.3,
            random_kinds=("429", "500"),
            retry_after_seconds=0,
            seed=11,
        )
        # started as the README says, from a terminal that knows no PREFECT_API_URL; the worker `make server`
        # started runs it
        fresh_terminal = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
        params = f"--param warehouse={warehouse} --param send_mode=sendgrid --param as_of=2026-11-25"
        started = subprocess.run(
            ["make", "run-deployment", "NAME=send-nurture/weekly", f"PARAMS={params}"],
            cwd=REPO,
            env=fresh_terminal,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert started.returncode == 0, started.stdout + started.stderr
        run_id = re.search(r"UUID: ([0-9a-f-]{36})", started.stdout).group(1)
        run = client.get(f"/flow_runs/{run_id}").json()
        first = _finished(client, run["id"])
        assert first["state"]["type"] == "FAILED", first["state"]
        assert "SendGrid" in first["state"]["message"]
        delivered_before_retry = len(sendgrid.delivered)
        assert delivered_before_retry > 0

        # the UI's Retry: the failed run goes back to Scheduled ("AwaitingRetry") and a worker runs it again
        answer = client.post(
            f"/flow_runs/{run['id']}/set_state",
            json={
                "state": {"type": "SCHEDULED", "name": "AwaitingRetry", "message": "Retry from the UI"},
                "force": True,
            },
        )
        assert answer.status_code in (200, 201), answer.text
        second = _finished(client, run["id"], after_run_count=first["run_count"])
        assert second["state"]["type"] == "COMPLETED", (second["state"]["message"], server_log.read_text()[-3000:])
        assert second["id"] == run["id"] and second["run_count"] > first["run_count"]
        logs = client.post("/logs/filter", json={"logs": {"flow_run_id": {"any_": [run["id"]]}}, "limit": 200}).json()
        messages = "\n".join(log["message"] for log in logs)
        assert "SendGrid did not accept the request" in messages  # the failure is explained once...
        assert "Engine execution exited with unexpected exception" not in messages  # ...without a traceback
        artifacts = client.post("/artifacts/filter", json={}).json()  # this server ran only this flow run
        published = "\n".join(str(a.get("data")) + str(a.get("description")) for a in artifacts)
        keys = {a["key"] for a in artifacts}
        assert {"quality-gate-nurture", "nurture-send-progress"} <= keys

    received = Counter(
        (d.custom_args["candidate_id"], d.custom_args["campaign_id"], d.custom_args["step"]) for d in sendgrid.delivered
    )
    with connect(warehouse, read_only=True) as con:
        accepted = con.execute("select count(*) from outbox.send_ledger where status = 'accepted'").fetchone()[0]
        batch = con.execute("select count(*) from marts.nurture_batch").fetchone()[0]
        in_doubt = con.execute("select count(*) from outbox.send_ledger where status = 'sending'").fetchone()[0]
    assert set(received.values()) == {1}
    assert len(received) == accepted == batch > 0 and in_doubt == 0
    assert all(key[1].startswith("nurture-") for key in received)
    uploaded = {t.name: t.id for t in sendgrid.api.templates.values()}
    assert {d.template_id for d in sendgrid.delivered} == {uploaded["crm-nurture-ja"]}  # read from SendGrid by name
    assert len(received) > delivered_before_retry
    assert not [d.email for d in sendgrid.delivered if d.email in published]  # no address in any artifact


def _finished(client: httpx.Client, run_id: str, after_run_count: int = 0) -> dict:
    def done():
        run = client.get(f"/flow_runs/{run_id}").json()
        state = run.get("state") or {}
        return run if state.get("type") in FINAL and run["run_count"] > after_run_count else None

    return _wait_for(f"flow run {run_id}", done, 600, every_s=2)
