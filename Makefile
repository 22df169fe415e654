# PropDesk: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= $(or $(PROPDESK_PORT),8000)

.PHONY: run test install install-test system-deps lint fmt typecheck messages check clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## Debian packages the tests need, installed only when missing: chromium (browser tests),
## fonts-noto-cjk (PDF forms), gettext (the translation catalogue check), redis-server (a
## throw-away Redis for the push and readiness tests) and postgresql-client (pg_dump/pg_restore).
system-deps:
	@command -v chromium >/dev/null 2>&1 && command -v xgettext >/dev/null 2>&1 && [ -d /usr/share/fonts/opentype/noto ] \
	  && command -v redis-server >/dev/null 2>&1 && command -v pg_dump >/dev/null 2>&1 || { \
	  echo "Installing Debian chromium, fonts-noto-cjk, gettext, redis-server, postgresql-client ..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] && echo "" || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk gettext redis-server postgresql-client >/dev/null; }

run: install
	mkdir -p var
	$(BIN)/propdesk migrate --noinput
	$(BIN)/propdesk demo --if-empty
	PROPDESK_PORT=$(PORT) $(BIN)/propdesk serve

## The suite runs in one process per core (pytest-xdist); `make test PYTEST_XDIST=` runs it in one.
PYTEST_XDIST ?= -n auto

test: install-test system-deps
	$(BIN)/python -m pytest -q $(PYTEST_XDIST) $(PYTEST_ARGS)

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

fmt:
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

typecheck:
	$(BIN)/mypy propdesk

messages:
	cd propdesk && ../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete --no-location --ignore=tests && ../$(BIN)/django-admin compilemessages

bench:
	$(BIN)/python bench/core.py

clean:
	rm -rf $(VENV) var build *.egg-info
