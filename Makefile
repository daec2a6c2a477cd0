# The README's commands. Everything they need is installed from pyproject.toml and package.json.
VENV ?= .venv
PYTHON ?= python3
PORT ?= 5000
BIN = $(VENV)/bin
FLASK = $(BIN)/flask --app newsroom

.PHONY: run test bench lint install assets db

run: install assets db
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	NEWSROOM_BIND=127.0.0.1:$(PORT) WEB_CONCURRENCY=2 $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: install assets
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check newsroom tests bench
	$(BIN)/ruff format --check newsroom tests bench

bench: install assets
	bash bench/run.sh

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

assets: static/vendor/htmx.min.js

static/vendor/htmx.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js

db: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
