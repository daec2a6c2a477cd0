# The README's commands. Everything they need is installed from pyproject.toml and package.json.
VENV ?= .venv
PYTHON ?= python3
PORT ?= 5000
BIN = $(VENV)/bin
FLASK = $(BIN)/flask --app newsroom

.PHONY: run test bench lint lint-imports bandit install install-test assets db

# The site and its mail worker, side by side; Ctrl+C stops both (and the worker goes when
# the server does, however it ends). No mail server needed: each message is written to
# instance/outbox/ as an .eml file and to the log.
run: install assets db
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl+C to stop); mail goes to instance/outbox/"
	@export NEWSROOM_MAIL_BACKEND=folder NEWSROOM_PUBLIC_URL=http://127.0.0.1:$(PORT); \
	$(FLASK) mail-worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	NEWSROOM_BIND=127.0.0.1:$(PORT) WEB_CONCURRENCY=2 $(BIN)/python serve.py

test: install-test assets
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test lint-imports bandit
	$(BIN)/ruff check newsroom tests bench serve.py wsgi.py
	$(BIN)/ruff format --check newsroom tests bench serve.py wsgi.py

# The dependency direction of DESIGN.md: the import-linter contracts in pyproject.toml.
lint-imports: install-test
	$(BIN)/lint-imports

# Security lint of the package (settings and the rule for `# nosec` in pyproject.toml).
bandit: install-test
	$(BIN)/bandit -q -r newsroom -c pyproject.toml

bench: install assets
	bash bench/run.sh

# `install` is the project and what running it needs; `install-test` adds the [test] extra
# (pytest, playwright, ruff, ...). Each has its own stamp, so `make test` after `make run`
# still installs the extra, and `make run` after `make test` installs nothing.
install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

assets: static/vendor/htmx.min.js

# htmx for the pages; axe-core, vnu-jar (the W3C HTML checker) and Lighthouse for the tests.
# npm ci empties node_modules first, so the stamp inside it says the install finished. No
# package needs an install script, and vnu-jar's would fetch a Java runtime: tests use
# Debian's (and Lighthouse runs Debian's Chromium).
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

static/vendor/htmx.min.js: node_modules/.installed
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js

db: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
