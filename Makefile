# Kampung KEREN: `make run` serves the demo site, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
PYTEST := $(BIN)/python -m pytest -W error -n 2

.PHONY: run setup venv translations translations-update migrate seed test test-fast \
        test-tools chromium postgresql clean

run: setup ## set everything up and serve on http://127.0.0.1:$(PORT)
	@echo "Kampung KEREN: http://127.0.0.1:$(PORT)  (Ctrl+C to stop)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

setup: $(VENV)/.deps translations migrate seed

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -qq --upgrade pip

$(VENV)/.deps: requirements.txt | $(VENV)/bin/python
	$(BIN)/pip install -qq -r requirements.txt
	touch $@

$(VENV)/.deps-test: requirements-test.txt requirements.txt | $(VENV)/bin/python
	$(BIN)/pip install -qq -r requirements-test.txt
	touch $(VENV)/.deps $@

translations: $(VENV)/.deps ## compile the .po files into .mo
	$(BIN)/pybabel compile -d keren/translations --statistics 2>&1 | grep -v "^$$" || true
	@test -f keren/translations/en/LC_MESSAGES/messages.mo || { echo "translations failed to compile"; exit 1; }

translations-update: $(VENV)/.deps ## extract new strings into the .po files
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o keren/translations/messages.pot .
	$(BIN)/pybabel update -i keren/translations/messages.pot -d keren/translations --no-fuzzy-matching

migrate: $(VENV)/.deps
	mkdir -p instance
	$(BIN)/flask db upgrade

seed: $(VENV)/.deps
	$(BIN)/flask seed demo
	$(BIN)/flask search rebuild
	$(BIN)/flask stats rollup

chromium: ## Debian's Chromium for the browser tests
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v chromium >/dev/null || { echo "ERROR: chromium is missing and could not be installed"; exit 1; }

postgresql: ## the PostgreSQL server binaries for the throwaway test cluster
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  echo "Installing PostgreSQL server binaries for the tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "ERROR: PostgreSQL binaries are missing and could not be installed"; exit 1; }

test-tools: $(VENV)/.deps-test translations chromium postgresql

test: test-tools ## the whole suite: SQLite and PostgreSQL, unit, web and browser
	$(PYTEST)

test-fast: $(VENV)/.deps-test translations ## inner loop: SQLite only, no browser
	KEREN_TEST_BACKENDS=sqlite $(PYTEST) -m "not browser" -q

clean:
	rm -rf $(VENV) keren/translations/*/LC_MESSAGES/*.mo
