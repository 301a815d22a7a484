# The two commands a newcomer needs are `make demo` and `make test`; each sets
# up what it needs on a fresh machine. `make help` lists the rest.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
SVENV := .venv-stream
PY := $(VENV)/bin/python
SPY := $(SVENV)/bin/python
UV := $(VENV)/bin/uv
RUN := .run

export BANK_LAKE_ROOT ?= $(CURDIR)/lake
export DBT_PROFILES_DIR ?= $(CURDIR)
export PYTHONPATH := $(CURDIR)

.PHONY: help setup prereqs demo test lock clean redis-start redis-stop \
        simulate bronze bench-bronze test-bronze
.PHONY: airflow nightly nightly-prepare bench-nightly
.PHONY: lint lint-fix health pr-check docs hooks
.PHONY: live bench-simulator
.PHONY: stream bench-stream
.PHONY: dbt-deps dbt-build dbt-sources bench-dbt

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

# --- set-up -----------------------------------------------------------------

prereqs:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
	  || { echo "error: Python 3.11 is required as $(PYTHON) (found $$($(PYTHON) --version 2>&1))"; exit 1; }
	@java -version 2>&1 | grep -Eq 'version "(1[7-9]|2[0-9])' \
	  || { echo "error: Java 17 or newer is required for Spark and Flink (apt-get install openjdk-17-jre-headless)"; exit 1; }
	@command -v redis-server >/dev/null || command -v valkey-server >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing redis-server (Debian package)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null 2>&1 \
	    || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }; \
	    systemctl disable --now redis-server >/dev/null 2>&1 || service redis-server stop >/dev/null 2>&1 || true; \
	  else echo "error: redis-server is required (apt-get install redis-server)"; exit 1; fi; }

$(VENV)/.done: requirements/batch.lock pyproject.toml | prereqs
	@test -x $(UV) || { $(PYTHON) -m venv $(VENV) && $(VENV)/bin/pip install -q uv==0.13.8; }
	$(UV) pip sync -q --python $(PY) requirements/batch.lock
	$(UV) pip install -q --python $(PY) --no-deps -e .
	@touch $@

$(SVENV)/.done: requirements/stream.lock pyproject.toml $(VENV)/.done
	@test -x $(SPY) || $(UV) venv -q --python $(PYTHON) $(SVENV)
	$(UV) pip sync -q --python $(SPY) requirements/stream.lock
	$(UV) pip install -q --python $(SPY) --no-deps -e .
	@touch $@

setup: prereqs $(VENV)/.done $(SVENV)/.done ## create both environments

lock: ## re-resolve requirements/*.lock from requirements/*.in
	$(UV) pip compile -q --python-version 3.11 requirements/batch.in -o requirements/batch.lock
	$(UV) pip compile -q --python-version 3.11 requirements/stream.in -o requirements/stream.lock

# --- the local Redis server ---------------------------------------------------

redis-start: $(VENV)/.done
	@$(PY) -m bankflow.redis_local start --dir $(CURDIR)/$(RUN)/redis > /dev/null

redis-stop:
	@test ! -x $(PY) || $(PY) -m bankflow.redis_local stop --dir $(CURDIR)/$(RUN)/redis

# --- the main job and the tests -------------------------------------------------

DAY ?= 2026-11-02
EVENTS ?= 200000

# The demo: the nightly DAG for DAY (simulate, bronze, dbt, publish), its
# summary, then the real-time path scoring DAY's stream against the baselines
# the night published. The local Redis is stopped however the run ends.
demo: setup ## one bank day end to end: the nightly DAG, then the fraud path on its baselines
	@mkdir -p $(RUN); trap '$(MAKE) -s redis-stop' EXIT; \
	  $(MAKE) -s nightly DAY=$(DAY) EVENTS=$(EVENTS) > $(RUN)/nightly.log 2>&1 \
	    || { tail -n 40 $(RUN)/nightly.log; $(PY) -m bankflow.demo --day $(DAY); exit 1; }; \
	  $(PY) -m bankflow.demo --day $(DAY) && \
	  $(MAKE) -s stream DAY=$(DAY)

test: setup ## run every test
	$(PY) -m pytest tests --ignore=tests/streaming
	$(SPY) -m pytest tests/streaming

simulate: $(VENV)/.done ## simulate one day into the landing folder (DAY=, EVENTS=)
	$(PY) -m bankflow.simulator generate --day $(DAY) --events $(EVENTS)

bronze: $(VENV)/.done ## ingest one landed day into bronze with Spark (DAY=)
	$(PY) -m bankflow.bronze --day $(DAY)

bench-bronze: setup ## simulator and bronze at 200,000 and 2,000,000 events
	flock /tmp/bank-heavy.lock $(PY) -m bankflow.bench.bronze

test-bronze: $(VENV)/.done ## the Spark bronze tests alone (a real local Spark session)
	$(PY) -m pytest tests/bronze -q

# --- the nightly Airflow DAG (dags/, docs/nightly.md) -------------------------

AIRFLOW_PORT ?= 8080
# Locally a failed task is retried after 30 s, not the production 5 minutes.
NIGHTLY_RETRY_DELAY ?= 30
AIRFLOW_ENV := AIRFLOW_HOME=$(CURDIR)/.airflow AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags \
  AIRFLOW__CORE__LOAD_EXAMPLES=False AIRFLOW__API__HOST=127.0.0.1 \
  AIRFLOW__API__PORT=$(AIRFLOW_PORT) BANK_DBT_TARGET_PATH=$(CURDIR)/target/nightly \
  AIRFLOW__COSMOS__ENABLE_TELEMETRY=False DBT_SEND_ANONYMOUS_USAGE_STATS=False \
  AIRFLOW__COSMOS__ENABLE_WATCHER_RELIABLE_RETRY=False \
  BANK_RETRY_DELAY_SECONDS=$(NIGHTLY_RETRY_DELAY)
AIRFLOW := $(AIRFLOW_ENV) $(VENV)/bin/airflow
DBT := $(VENV)/bin/dbt

nightly-prepare: $(VENV)/.done
	@$(PY) -m bankflow.redis_local start --dir $(CURDIR)/$(RUN)/redis > /dev/null
	@test -d dbt_packages || $(DBT) deps --quiet
	@$(DBT) parse --quiet --target-path $(CURDIR)/target/nightly
	@$(AIRFLOW) db migrate > /dev/null
	@$(AIRFLOW) pools set bank_duckdb_writer 1 "One writer at a time for the local DuckDB warehouse" > /dev/null

airflow: nightly-prepare ## the Airflow UI on 127.0.0.1:$(AIRFLOW_PORT) with the nightly DAG (Ctrl-C stops)
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(AIRFLOW) standalone

nightly: nightly-prepare ## run the nightly DAG for one day end to end (DAY=, EVENTS=)
	$(AIRFLOW) dags test bank_nightly $(DAY) --conf '{"events": $(EVENTS)}'

bench-nightly: nightly-prepare ## the nightly DAG for one day at 200,000 events, time per step
	flock /tmp/bank-heavy.lock env $(AIRFLOW_ENV) $(PY) -m bankflow.bench.nightly --day $(DAY) --events $(EVENTS)

# --- the analyst workflow: lint, health, slim CI, docs (bankflow.devtools) -------
# BASE= a git ref (changed files only; pr-check needs it), FILES= files for lint-fix,
# TARGET= artifacts for health, PORT= for docs, STATE= and BASE_DB= the last
# production run's target folder and DuckDB file for pr-check, VARS= dbt --vars.

lint: $(VENV)/.done ## the pre-commit checks over the whole project (BASE= changed files only)
	$(PY) -m bankflow.devtools.lint $(if $(BASE),--base $(BASE))

lint-fix: $(VENV)/.done ## apply the fixers: whitespace, ruff, sqlfluff fix (FILES= or BASE=)
	$(PY) -m bankflow.devtools.lint --fix $(if $(BASE),--base $(BASE)) $(FILES)

health: $(VENV)/.done ## project-health checks and coverage percentages (TARGET=)
	$(PY) -m bankflow.devtools.health $(if $(TARGET),--target $(TARGET))

pr-check: $(VENV)/.done ## slim CI: lint, health, dbt build state:modified+ deferred to BASE=
	@test -n "$(BASE)" || { echo "usage: make pr-check BASE=<git ref>, e.g. BASE=main"; exit 2; }
	$(PY) -m bankflow.devtools.pr_check --base $(BASE) \
	  $(if $(STATE),--state $(STATE) --base-db $(BASE_DB)) $(if $(VARS),--vars '$(VARS)')

docs: $(VENV)/.done ## generate the dbt docs and serve them on 127.0.0.1 (PORT=)
	$(PY) -m bankflow.devtools.docs $(if $(PORT),--port $(PORT))

hooks: $(VENV)/.done ## install the pre-commit hooks in this clone
	$(VENV)/bin/pre-commit install

# --- the simulator's live mode and throughput (bankflow/simulator/) -------------
# RATE= events per second (default 1000; 0 = as fast as possible), PORT= (0 = a free one),
# DURATION= seconds (cycles to the next days), OUT= a file instead of a socket.

PORT ?= 9999

live: $(VENV)/.done ## stream DAY's events over TCP for the fraud scorer (RATE=, PORT=, OUT=)
	$(PY) -m bankflow.simulator live --day $(DAY) --rate $(or $(RATE),1000) --port $(PORT) \
	  $(if $(DURATION),--duration $(DURATION)) $(if $(OUT),--out $(OUT))

bench-simulator: $(VENV)/.done ## simulator events/s and peak memory at 200,000 and 2,000,000
	flock /tmp/bank-heavy.lock $(PY) -m bankflow.simulator.bench --events 200000 2000000

# --- the real-time fraud path: PyFlink scorer into Redis (streaming/, docs/streaming.md)
# RATE= events/s (default 200 here), DURATION= seconds (default 60), WARMUP=
# seconds left out of the latency figures (default 15: JVM start). The scorer
# uses the Redis of `make redis-start` / the nightly when it runs (so it reads
# the published baselines), else a Redis of its own for the run.

stream: setup ## score DAY's live stream in Flink into Redis; quality, latency (RATE=, DURATION=)
	@url=$$($(PY) -m bankflow.redis_local url --dir $(RUN)/redis 2>/dev/null); \
	$(SPY) -m streaming.run --day $(DAY) \
	  --rate $(or $(RATE),200) \
	  --duration $(or $(DURATION),60) --warmup $(or $(WARMUP),15) $${url:+--redis-url $$url}

bench-stream: setup ## Flink job vs plain Python at 200 and 1,000 events/s, 60 s each
	flock /tmp/bank-heavy.lock $(SPY) -m streaming.bench

# --- dbt: silver, gold, segmentation (models/, docs in the models' YAML) ------
# The warehouse is $(BANK_DUCKDB_PATH) (default .run/warehouse.duckdb).

dbt-deps: $(VENV)/.done ## install the local bank_utils dbt package (offline)
	@$(VENV)/bin/dbt deps --quiet

dbt-build: dbt-deps ## dbt build of one business day on DuckDB: seeds, snapshots, models, tests (DAY=)
	@mkdir -p $(RUN)
	$(VENV)/bin/dbt build --vars '{business_date: $(DAY)}'

dbt-sources: $(VENV)/.done ## regenerate the dbt source YAML from bankflow/schemas.py
	$(PY) -m bankflow.dbt_sources write

# The benchmark holds /tmp/bank-heavy.lock itself, per bronze day and per
# dbt build, so it is not wrapped in flock here.
bench-dbt: setup ## dbt on DuckDB: 1 and 30 days of history at 200,000 events, +1 day each
	$(PY) -m bankflow.bench.dbt $(if $(DAYS),--days $(DAYS)) --events $(EVENTS)

clean: redis-stop ## remove generated data and run output (keeps the environments)
	rm -rf lake $(RUN) target logs .bench
