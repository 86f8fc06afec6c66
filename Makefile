# ContactPoint developer commands. See `make help`.
#
# Every target works from a fresh clone: the virtualenv, node_modules and the embedded
# PostgreSQL/Redis are created on first use and reused after. Stamp files make reruns cheap.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.contactpoint-installed
NODE_STAMP := node_modules/.contactpoint-installed
CSS := static/css/contactpoint.css
VENDOR_STAMP := static/vendor/govuk/.contactpoint-copied
PYTEST_ARGS ?=

.PHONY: help venv assets services run test chromium lint down clean-data

help:
	@echo "make run         set up everything, then serve http://localhost:$${PORT:-8000}/accounts/login/"
	@echo "make test        set up everything, then run pytest (extra arguments: PYTEST_ARGS=...)"
	@echo "make lint        ruff check and ruff format --check"
	@echo "make services    start embedded PostgreSQL and Redis (unless DATABASE_URL / REDIS_URL)"
	@echo "make down        stop the embedded services"
	@echo "make clean-data  stop the embedded services and delete .data/"
	@echo "make venv        create .venv and install the Python packages"
	@echo "make assets      build static/ from GOV.UK Frontend and static_src/"

venv: $(VENV_STAMP)

# Reinstalled only when pyproject.toml changes. The project declares no packages
# ([tool.setuptools] packages = []), so the install brings in the dependencies only; the code
# runs from the checkout.
$(VENV_STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check --quiet -e '.[dev]'
	@touch $@

assets: $(CSS) $(VENDOR_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

$(CSS): $(NODE_STAMP) $(wildcard static_src/*.scss)
	npm run --silent build:css

$(VENDOR_STAMP): $(NODE_STAMP) static_src/copy-vendor.mjs
	npm run --silent build:vendor
	@touch $@

services: venv
	$(PY) -m contactpoint.stack up

run: venv assets
	$(PY) -m contactpoint.stack run

# pytest-django creates the test database, which only the owner role may do, so the suite
# connects as the owner; tests that need the application role's limits use SET ROLE.
test: venv assets services chromium
	@owner="$${DATABASE_OWNER_URL:-$$(sed -n 's/^DATABASE_OWNER_URL=//p' .data/stack.env)}"; \
	if [ -n "$$owner" ]; then export DATABASE_URL="$$owner"; fi; \
	set -x; $(PY) -m pytest $(PYTEST_ARGS)

# Browser tests drive Debian's chromium through Playwright. Installed when we can (CI runs as
# root); otherwise those tests skip themselves.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "warning: /usr/bin/chromium is missing; browser tests will be skipped" >&2; \
	  fi; \
	fi

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

down:
	@if [ -x $(PY) ]; then $(PY) -m contactpoint.stack down; fi

# Stops the servers first, so none is left running on files that no longer exist.
clean-data: down
	rm -rf .data
