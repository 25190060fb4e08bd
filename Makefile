# The two commands: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

DEMO_PEOPLE ?= 3000
DEMO_SEED ?= 42
LANDING ?= data/landing
WAREHOUSE ?= data/warehouse.duckdb

.PHONY: run test lint format install demo docs docs-serve site server worker deploy run-deployment upload-templates bench bench-dedupe clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version' \
		|| { echo "error: $(VENV) is not Python 3.11: remove it and set PYTHON=/path/to/python3.11"; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8
	@echo "installing the locked dependencies into $(VENV) (first time: about a minute)"
	@# --compile-bytecode: .pyc files written once here; without them every process (the flow, dbt, each test
	@# worker) compiles every imported module again when PYTHONDONTWRITEBYTECODE is set, as on the shared machine
	$(BIN)/uv pip install --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

$(LANDING)/truth.csv: | $(STAMP)
	$(BIN)/python -m connectors.demo --people $(DEMO_PEOPLE) --seed $(DEMO_SEED) --out $(LANDING) --overwrite

demo: $(LANDING)/truth.csv

# the demo generator writes whole files (beside the target, renamed at the end) before the run starts, so the
# landing settle time (CRM_LANDING_STABLE_SECONDS, for files still arriving over SFTP/SMB) is not needed here
run: $(STAMP) $(LANDING)/truth.csv
	$(BIN)/python -m connectors.demo.relay --landing $(LANDING) --warehouse $(WAREHOUSE)  # the demo's earlier rejection mails (once)
	CRM_LANDING_STABLE_SECONDS=$${CRM_LANDING_STABLE_SECONDS:-0} $(BIN)/python -m flows.pipeline --landing $(LANDING) --warehouse $(WAREHOUSE)

# two workers (pytest-xdist): the expensive fixtures (the built demo warehouse, the Prefect test server) are
# built once and shared through a file lock (tests/conftest.py); TEST_WORKERS=0 runs in one process
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --durations=25

# style is mechanical: ruff for Python (lint and format), sqlfluff with the dbt templater for the models
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd dbt_project && DUCKDB_PATH=$${DUCKDB_PATH:-$(CURDIR)/.lint.duckdb} ../$(BIN)/sqlfluff lint models macros tests --processes 2

format: $(STAMP)  ## apply ruff's and sqlfluff's fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	cd dbt_project && DUCKDB_PATH=$${DUCKDB_PATH:-$(CURDIR)/.lint.duckdb} ../$(BIN)/sqlfluff fix models macros tests --processes 2

docs: $(STAMP)  ## dbt docs generate against the warehouse (run `make run` first), into data/dbt/<warehouse>/
	$(BIN)/python -m crm.dbt_runner --warehouse $(WAREHOUSE) docs generate

docs-serve: docs  ## the dbt docs on http://127.0.0.1:8080
	$(BIN)/python -m crm.dbt_runner --warehouse $(WAREHOUSE) docs serve --host 127.0.0.1 --port 8080

site: $(STAMP)  ## the KPI report, dbt docs and Data Docs over http on 127.0.0.1:8090 (links in the Prefect UI point here)
	$(BIN)/python -m crm.site --warehouse $(WAREHOUSE) --port $${SITE_PORT:-8090}

PREFECT_PORT ?= 4200
PREFECT_LOCAL_API := http://127.0.0.1:$(PREFECT_PORT)/api

# Both run in the background of one shell that waits; Ctrl-C (or SIGTERM) reaches the shell's trap, which
# stops the worker and the server together (SIGTERM, then SIGKILL after a 10 s grace: a worker can hang
# while it shuts down). SQLite's busy timeout is raised for the local server; use PostgreSQL in production
# (docs/prefect-server.md).
server: $(STAMP)  ## a local Prefect server (UI on http://127.0.0.1:4200) and a process worker; Ctrl-C stops both
	@export PREFECT_API_URL=$(PREFECT_LOCAL_API) PREFECT_SERVER_DATABASE_TIMEOUT=$${PREFECT_SERVER_DATABASE_TIMEOUT:-30}; \
	worker=; \
	stop() { trap - INT TERM; echo "stopping the worker and the server"; kill -TERM $$worker $$server 2>/dev/null; \
		for _ in $$(seq 20); do kill -0 $$worker $$server 2>/dev/null || exit 0; sleep 0.5; done; \
		kill -KILL $$worker $$server 2>/dev/null; exit 0; }; \
	trap stop INT TERM; \
	$(BIN)/prefect server start --host 127.0.0.1 --port $(PREFECT_PORT) & server=$$!; \
	until $(BIN)/python -c 'import urllib.request; urllib.request.urlopen("$(PREFECT_LOCAL_API)/health", timeout=2)' 2>/dev/null; do \
		kill -0 $$server 2>/dev/null || { echo "the Prefect server did not start"; exit 1; }; sleep 1; done; \
	$(BIN)/prefect worker start --pool crm-process --type process --install-policy never & worker=$$!; \
	echo "Prefect UI on http://127.0.0.1:$(PREFECT_PORT); Ctrl-C stops the server and the worker"; \
	while kill -0 $$server 2>/dev/null && kill -0 $$worker 2>/dev/null; do wait -n $$server $$worker 2>/dev/null || true; done; \
	stop

# from any terminal, no PREFECT_API_URL needed: make run-deployment NAME=pipeline/end-to-end
#   PARAMS='--param send_mode=sendgrid' passes parameters (prefect deployment run --param k=v)
run-deployment: $(STAMP)  ## start a deployment on the local server (make server) or on PREFECT_API_URL
	@test -n "$(NAME)" || { echo "say which: make run-deployment NAME=pipeline/end-to-end (see prefect.yaml)"; exit 2; }
	PREFECT_API_URL=$${PREFECT_API_URL:-$(PREFECT_LOCAL_API)} $(BIN)/prefect deployment run '$(NAME)' $(PARAMS)

worker: $(STAMP)  ## only a process worker, for a server started elsewhere (PREFECT_API_URL)
	PREFECT_API_URL=$${PREFECT_API_URL:-$(PREFECT_LOCAL_API)} $(BIN)/prefect worker start --pool crm-process \
		--type process --install-policy never

upload-templates: $(STAMP)  ## create or update the mail templates (templates/sendgrid/) in SendGrid (SENDGRID_API_KEY)
	$(BIN)/python -m outbound.templates upload

deploy: $(STAMP)  ## register every deployment in prefect.yaml with the server, with its pool and limits
	export PREFECT_API_URL=$${PREFECT_API_URL:-$(PREFECT_LOCAL_API)}; \
	$(BIN)/prefect work-pool inspect crm-process >/dev/null 2>&1 \
		|| $(BIN)/prefect work-pool create crm-process --type process; \
	for limit in warehouse sink-sendgrid sink-career-relay; do \
		$(BIN)/prefect gcl inspect $$limit >/dev/null 2>&1 || $(BIN)/prefect gcl create $$limit --limit 1 || exit 1; \
	done; \
	$(BIN)/prefect --no-prompt deploy --all

bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench_demo

# identity resolution against Splink: FEBRL 1, 2 and 4 (shipped inside the recordlinkage package) and the
# realistic demo at about 10k, 100k and 1M source records (about 40 minutes). Splink and recordlinkage are
# installed for the benchmark only: pyproject's `bench` extra (Splink and what recordlinkage's import needs),
# then recordlinkage without its dependencies (it pins pandas < 3; only its bundled data sets are used).
bench-dedupe: $(STAMP)
	$(BIN)/uv pip install --quiet --python $(BIN)/python splink==5.0.0 sqlglot==30.30.0 \
		jellyfish==1.3.0 joblib==1.6.0 scikit-learn==1.9.1 threadpoolctl==3.6.0
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps recordlinkage==0.16
	for people in 6510 65100 651000; do \
		test -f /tmp/bench-dedupe/realistic-$$people/truth.csv || \
		$(BIN)/python -m connectors.demo --people $$people --seed 1 --realistic --out /tmp/bench-dedupe/realistic-$$people --overwrite; \
	done
	$(BIN)/python -m benchmarks.bench_dedupe --work /tmp/bench-dedupe/work --febrl \
		--landing /tmp/bench-dedupe/realistic-6510 --landing /tmp/bench-dedupe/realistic-65100 --landing /tmp/bench-dedupe/realistic-651000

clean:
	rm -rf data/landing data/warehouse.duckdb data/outbox data/dbt dbt_project/target .prefect
