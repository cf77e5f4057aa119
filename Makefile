# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint bench clean vendor backup restore

# Reinstall only when the declared dependencies change.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/.installed
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_demo
	DEBUG=$${DEBUG:-1} STATIC_COLLECTED=1 $(BIN)/python manage.py collectstatic --no-input -v0
	DEBUG=$${DEBUG:-1} STATIC_COLLECTED=1 PORT=$(PORT) bin/quickstart

# axe-core for the accessibility tests (package.json); without npm those tests skip, or fail in CI.
node_modules/.package-lock.json: package.json package-lock.json
	if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; fi

test: $(BIN)/.installed-dev node_modules/.package-lock.json
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# `make backup` writes var/backups/backup-<time>.dump (or .sqlite3); BACKUP=path to choose.
backup: $(BIN)/.installed
	$(BIN)/python manage.py backup $(BACKUP)

# `make restore BACKUP=var/backups/backup-....dump` replaces the database's contents.
restore: $(BIN)/.installed
	test -n "$(BACKUP)" || (echo "say which: make restore BACKUP=var/backups/..."; exit 2)
	$(BIN)/python manage.py restore $(BACKUP)

$(BIN)/.installed-bench: $(BIN)/.installed-dev
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

bench: $(BIN)/.installed-bench
	$(BIN)/python -m bench $(BENCH_ARGS)

# Refreshes the plotly.js partial bundle we serve from the version pinned in package.json.
vendor: node_modules/.package-lock.json
	cp node_modules/plotly.js-basic-dist-min/plotly-basic.min.js static/vendor/
	cp node_modules/plotly.js-basic-dist-min/LICENSE static/vendor/plotly-LICENSE

clean:
	rm -rf var/broker var/celery-results var/*.sqlite3* var/celerybeat-schedule*
