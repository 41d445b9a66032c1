# cctrack: `make run` starts everything locally, `make test` runs the tests.
# Both install what they need (venv, pip, Debian packages, the FerretDB build).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
PYTEST_ARGS ?=
BENCH_ROUNDS ?= 50

.PHONY: run test lint test-unit test-integration bench infra-up infra-down venv compose-check clean web

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $@

# The pages: Vue + Vant single-page app, built by Vite into services/gateway/web/dist (served by the gateway).
WEB := services/gateway/web
WEB_SOURCES := $(shell find $(WEB)/src -type f 2>/dev/null) $(WEB)/index.html $(WEB)/vite.config.js

web: $(WEB)/dist/index.html

$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB)/dist/index.html: $(WEB)/node_modules/.installed $(WEB_SOURCES)
	cd $(WEB) && npm run --silent build -- --logLevel warn

infra-up:
	@deploy/scripts/infra.sh up

infra-down:
	@deploy/scripts/infra.sh down

run: venv infra-up web
	@deploy/scripts/run.sh

lint: venv
	$(VENV)/bin/ruff check .

test: venv lint infra-up web
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: venv
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

bench: venv infra-up
	$(PY) -m tests.bench.run $(BENCH_ROUNDS)

compose-check:
	docker-compose -f docker-compose.yml config -q

clean: infra-down
	rm -rf var $(VENV)
