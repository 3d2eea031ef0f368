# Two commands: `make run` (the whole stack on a laptop, no server needed) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# `make test` runs against real PostgreSQL and Redis (see README, "Tests").
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/coresponder
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15

# The runtime database role (PostgreSQL): `make grant-app-role` after `make migrate`, as the owner.
APP_ROLE ?= coresponder_app
# Where `make serve` listens; docker-compose.yml's web listens on 0.0.0.0:8000 in its container.
BIND ?= 127.0.0.1:$(PORT)

.PHONY: run test lint format migrate grant-app-role worker beat web serve smoke compose-check install clean bench bench-reports bench-dispatch bench-load bench-planning bench-import

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(BIN)/.installed

## run: set up, migrate, load the St. Louis demo, start web + worker + beat (Ctrl-C stops all)
run: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-1} PORT=$(PORT) scripts/run_stack.sh

## test: the whole suite, browser tests included, against PostgreSQL and Redis
test: install
	@DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)} \
		$(BIN)/python scripts/check_services.py
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)} \
		$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The production services' commands. docker-compose.yml runs the same ones, which
# `make compose-check` (scripts/check_compose.py, in CI and `make test`) holds it to.
migrate: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input

## grant-app-role: PostgreSQL: the runtime role APP_ROLE may read and write rows, not change the schema or the record
grant-app-role: install
	$(BIN)/python manage.py grant_app_role $(APP_ROLE)

## web: Django's development server; serve: the web server as production runs it (gunicorn)
web: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

serve: install
	$(BIN)/gunicorn coresponder.wsgi:application --bind $(BIND) --workers 3 --timeout 30

worker: install
	DEBUG=$${DEBUG:-1} $(BIN)/celery -A coresponder worker --loglevel=INFO --concurrency=2

beat: install
	DEBUG=$${DEBUG:-1} $(BIN)/celery -A coresponder beat --loglevel=INFO

## compose-check: docker-compose.yml's services run the commands of the Makefile's targets
compose-check: install
	$(BIN)/python scripts/check_compose.py

## smoke: start the stack as `make run` does, on the embedded defaults, and poke it
smoke: install
	$(BIN)/python scripts/smoke.py

## bench: the benchmarks (PostgreSQL and Redis on localhost); results in bench/RESULTS.md
bench: bench-dispatch bench-reports bench-load bench-planning bench-import

bench-dispatch: install
	$(BIN)/python bench/dispatch_bench.py

bench-load: install
	$(BIN)/python bench/load_bench.py

bench-planning: install
	$(BIN)/python bench/planning_bench.py --calls-per-week $${CALLS_PER_WEEK:-500}

bench-import: install
	$(BIN)/python bench/import_bench.py --rows $${ROWS:-100000} --record

bench-reports: install
	$(BIN)/python bench/reports_bench.py --calls $${CALLS:-50000}

clean:
	rm -rf var/broker var/static var/screenshots var/celerybeat-schedule*
