# Data Partner Catalog: the commands the README promises.
# `make run` and `make test` work on a fresh machine: they install what they need.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTHON ?= python3
export CATALOG_INSTANCE ?= $(CURDIR)/instance
# Debian packages the tests need: a real browser, CJK fonts for its screenshots, PostgreSQL,
# Java and Maven for the OpenSearch test node (installed by system-deps when missing).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install install-test install-bench run test bench lint format system-deps translations clean opensearch-testnode

# `make install` installs what running needs; the test and bench tools come with their targets.
install: $(VENV)/.installed
install-test: $(VENV)/.installed-test
install-bench: $(VENV)/.installed-bench

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -qq --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install -qq --disable-pip-version-check -e '.[test]'
	touch $@

$(VENV)/.installed-bench: $(VENV)/.installed
	$(PY) -m pip install -qq --disable-pip-version-check -e '.[bench]'
	touch $@

system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" || missing="$$missing fonts-wqy-microhei"; \
	[ -x /usr/lib/postgresql/15/bin/initdb ] || missing="$$missing postgresql"; \
	command -v java >/dev/null 2>&1 || missing="$$missing openjdk-17-jdk-headless"; \
	command -v mvn >/dev/null 2>&1 || missing="$$missing maven"; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi; \
	getent passwd postgres >/dev/null || $(SUDO) useradd --system --home /var/lib/postgresql postgres

run: install
	$(BIN)/catalog init
	$(BIN)/catalog demo
	$(BIN)/catalog serve --worker --host $(HOST) --port $(PORT)

# The tests start what they need themselves: a throwaway PostgreSQL cluster, the app on
# real sockets, headless Chromium. Lint (ruff and mypy, which is at zero errors) runs first
# and stops the run when it fails.
test: lint install-test system-deps opensearch-testnode
	$(BIN)/pytest -q -p no:cacheprovider

# The OpenSearch node of the search tests (tests/opensearch/): Maven fetches it from Maven
# Central once, then builds offline; the tests start and stop it. A failure is ignored here
# and reported by the opensearch tests themselves, so the rest of the suite still runs.
opensearch-testnode: install-test
	-$(PY) -m tests.opensearch.testnode build

bench: install-bench system-deps
	$(PY) -m bench

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

translations: install-test
	$(BIN)/pybabel extract -F babel.cfg -k _l -o build/messages.pot --no-location .
	$(BIN)/pybabel update -i build/messages.pot -d web/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) build instance .pytest_cache
