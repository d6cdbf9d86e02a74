# OpenCPTS — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
# PostgreSQL used by `make test` for its second pass (skipped with a warning if unreachable,
# unless REQUIRE_POSTGRES=1 as in CI).
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/opencpts
# Test processes per pass (pytest-xdist, one test file per process); 0 = everything in this process.
TEST_WORKERS ?= 2
XDIST := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)
export OPENCPTS_DEV ?= 1

.PHONY: run jobs doc-templates test test-sqlite test-postgres setup install install-dev territory-data axe-core psc-provider psc-demo totp lint bench-clean clean

# Official communes and populations légales: the pinned npm package @etalab/decoupage-administratif, fetched with
# npm into var/npm/ and checked against its published integrity hash (territory/npm_data.py), then read offline.
TERRITORY_NPM := var/npm/etalab-decoupage-administratif-6.0.0.tgz

$(BIN)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "OpenCPTS needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(BIN)/.dev-installed: $(BIN)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

install: $(BIN)/.installed
install-dev: $(BIN)/.dev-installed

$(TERRITORY_NPM): territory/npm_data.py | $(BIN)/.installed
	@test -f $@ || command -v npm >/dev/null || { echo "npm est introuvable : installez Node.js et npm (Debian : apt-get install nodejs npm), puis relancez make."; exit 1; }
	$(BIN)/python -m territory.npm_data
	@touch $@

territory-data: $(BIN)/.installed $(TERRITORY_NPM)

# axe-core, the accessibility engine of the browser tests (tests/browser/axe_core.py): the pinned npm package,
# fetched the same way (npm pack into var/npm/, integrity checked). Only `make test` needs it.
AXE_NPM := var/npm/axe-core-4.14.1.tgz

$(AXE_NPM): tests/browser/axe_core.py territory/npm_data.py | $(BIN)/.installed
	@test -f $@ || command -v npm >/dev/null || { echo "npm est introuvable : installez Node.js et npm (Debian : apt-get install nodejs npm), puis relancez make."; exit 1; }
	$(BIN)/python -m tests.browser.axe_core
	@touch $@

axe-core: $(BIN)/.installed $(AXE_NPM)

# The local OpenID Connect provider standing in for Pro Santé Connect (accounts/psc_provider.py): the pinned npm
# package oidc-provider and its dependency tree (scripts/psc_provider/package-lock.json, integrity checked by
# npm ci) in var/npm/. The PSC tests and `make psc-demo` run it with node.
PSC_NPM := var/npm/oidc-provider-9.13.3/.installed

$(PSC_NPM): accounts/psc_provider.py scripts/psc_provider/package-lock.json scripts/psc_provider/provider.mjs | $(BIN)/.installed
	@test -f $@ || command -v npm >/dev/null || { echo "npm est introuvable : installez Node.js et npm (Debian : apt-get install nodejs npm), puis relancez make."; exit 1; }
	$(BIN)/python -m accounts.psc_provider
	@touch $@

psc-provider: $(BIN)/.installed $(PSC_NPM)

# Pro Santé Connect against the local provider: a demo professional logs in (docs/OPERATIONS.md).
psc-demo: setup psc-provider
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python scripts/psc_dev_provider.py --serve

# Database, official communes and their age structure (diagnostic/ages.py), demo CPTS. Fast and
# data-preserving on a second run.
setup: $(BIN)/.installed territory-data
	@mkdir -p var
	@test -s var/secret_key || $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret_key
	@test -s var/audit_key || (umask 077 && $(BIN)/python -c 'import base64, secrets; \
		print("dev-" + secrets.token_hex(4) + ":" + base64.b64encode(secrets.token_bytes(32)).decode())' > var/audit_key)
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py load_communes --if-needed
	$(BIN)/python manage.py load_age_structure --if-needed
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py materialise_slots -v 0

run: setup
	@echo ""
	@echo "  OpenCPTS est prêt : http://$(HOST):$(PORT)/"
	@echo "  API : http://$(HOST):$(PORT)/api/docs — santé : http://$(HOST):$(PORT)/healthz"
	@echo ""
	$(BIN)/uvicorn opencpts.asgi:application --host $(HOST) --port $(PORT) --log-level warning --ws-per-message-deflate false --ws-ping-interval 30

# The job worker (docs/OPERATIONS.md « Background jobs »). `make run` needs none on SQLite: jobs run in the
# application process after each commit; this one, in a second terminal, runs the periodic work when due. On
# PostgreSQL (DATABASE_URL) it is the Procrastinate worker of this host.
jobs: $(BIN)/.installed
	$(BIN)/python manage.py run_jobs

# The default DOCX templates of the apps, written from their Python sources (<app>/doc_templates_src.py,
# docgen/builder.py); the .docx files are committed, this only regenerates them after a source changed.
doc-templates: $(BIN)/.installed
	$(BIN)/python manage.py build_doc_templates

totp: $(BIN)/.installed
	@$(BIN)/python manage.py demo_totp $(EMAIL)

test: $(BIN)/.dev-installed
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

test-sqlite: $(BIN)/.dev-installed territory-data axe-core psc-provider
	@echo "== Test suite on SQLite =="
	env -u DATABASE_URL $(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

# The PostgreSQL pass does not repeat what does not depend on the database: the browser walks (they run on
# SQLite through the same views and rules), the checks of the code itself, and the tests marked `once` (pure
# functions, external processes: conftest.py).
POSTGRES_PASS_SKIPS := --ignore-glob='*browser*' --ignore=tests/test_code_rules.py -m "not once"

test-postgres: $(BIN)/.dev-installed territory-data
	@if $(BIN)/python scripts/pg_ready.py "$(TEST_POSTGRES_URL)"; then \
		echo "== Test suite on PostgreSQL =="; \
		DATABASE_URL="$(TEST_POSTGRES_URL)" $(BIN)/pytest $(XDIST) $(POSTGRES_PASS_SKIPS) $(PYTEST_ARGS); \
	elif [ "$${REQUIRE_POSTGRES:-0}" = "1" ]; then \
		echo "PostgreSQL is required (REQUIRE_POSTGRES=1) but $(TEST_POSTGRES_URL) is unreachable"; exit 1; \
	else \
		echo "WARNING: PostgreSQL unreachable at $(TEST_POSTGRES_URL): PostgreSQL pass skipped."; \
	fi

lint: $(BIN)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	env -u DATABASE_URL $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python scripts/check_commits.py

clean:
	rm -rf var $(VENV)
