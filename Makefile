# cctrack: `make run` starts everything locally, `make test` runs the tests.
# Both install what they need (venv, pip, Debian packages, the FerretDB build).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
PYTEST_ARGS ?=
BENCH_ROUNDS ?= 50
BENCH_SCALES ?= 105,10000
BENCH_ARGS ?=
BENCH_DOCS ?= 100000

# The local store: FerretDB v1.24 on a private PostgreSQL (deploy/scripts/infra.sh); the services
# make their GIN indexes there (shared/pgindex.py). FERRETDB_BACKEND=sqlite keeps the old store.
FERRETDB_BACKEND ?= postgresql
POSTGRES_PORT ?= 54320
export FERRETDB_BACKEND POSTGRES_PORT
ifeq ($(FERRETDB_BACKEND),postgresql)
POSTGRES_DSN ?= postgresql://postgres@127.0.0.1:$(POSTGRES_PORT)/ferretdb
export POSTGRES_DSN
endif

# kubeconform (validates deploy/k8s/), built from the Go module proxy; its Kubernetes schemas
# come offline from the kubernetes-validate package (deploy/k8s/tools/offline_schemas.py).
KUBECONFORM_VERSION ?= v0.8.0
KUBECONFORM := var/bin/kubeconform

.PHONY: run test lint test-unit test-integration bench bench-store faults infra-up infra-down venv compose-check k8s-check clean web

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $@

# The pages: Vue + Vant single-page app, built by Vite into services/gateway/web/dist (served by the gateway).
WEB := services/gateway/web
WEB_SOURCES := $(shell find $(WEB)/src $(WEB)/public -type f 2>/dev/null) $(WEB)/index.html $(WEB)/vite.config.js

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
	$(VENV)/bin/mypy

test: venv lint infra-up web $(KUBECONFORM)
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: venv $(KUBECONFORM)
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

# the fault suite on its own broker node (:5682) and stores (:27027, :27028) under var/faults;
# never the shared RabbitMQ/FerretDB. `make faults FAULT_CASES="broker_kill kill_milestones"`
faults: venv
	$(PY) -m tests.faults.run $(FAULT_CASES)

# figures, never timed tests: `make bench BENCH_SCALES=105,10000,100000`. The bench's own FerretDB and
# PostgreSQL (var/bench-pg, :27037/:54330), stopped afterwards; from 50,000 centres the stores are
# bulk-loaded (tests/bench/loader.py). BENCH_ARGS="--milestones-chunks 1 --skip assignment.centre_revisions" at 700000 (docs/PERFORMANCE.md)
bench: venv infra-up
	$(PY) -m tests.bench.run --scales $(BENCH_SCALES) --rounds $(BENCH_ROUNDS) --stop-store $(BENCH_ARGS)

# query shapes on the store alone, with and without the GIN indexes
bench-store: venv infra-up
	$(PY) -m tests.bench.store $(BENCH_DOCS) --slow

# the file's syntax only: RABBITMQ_PASSWORD, which the file requires, gets a placeholder if unset
compose-check:
	RABBITMQ_PASSWORD=$${RABBITMQ_PASSWORD:-compose-check} docker-compose -f docker-compose.yml config -q

$(KUBECONFORM):
	@command -v go >/dev/null || { echo "Go is required to build kubeconform"; exit 1; }
	GOBIN=$(CURDIR)/var/bin go install github.com/yannh/kubeconform/cmd/kubeconform@$(KUBECONFORM_VERSION)

k8s-check: venv $(KUBECONFORM)
	$(PY) deploy/k8s/tools/offline_schemas.py var/k8s-schemas >/dev/null
	$(KUBECONFORM) -strict -summary -kubernetes-version 1.30.0 \
	  -schema-location 'var/k8s-schemas/{{ .NormalizedKubernetesVersion }}-standalone-strict/{{ .ResourceKind }}{{ .KindSuffix }}.json' \
	  deploy/k8s/namespace.yaml deploy/k8s/config.yaml deploy/k8s/mongo.yaml deploy/k8s/rabbitmq.yaml deploy/k8s/seaweedfs.yaml deploy/k8s/services.yaml \
	  deploy/k8s/scale/mongo-sharded.yaml deploy/k8s/scale/reporting-partitions.yaml

clean: infra-down
	rm -rf var $(VENV)
