# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint lock bench clean vendor backup restore mutation

# The exact versions tested (requirements.lock, and requirements-dev.lock with the test tools),
# then the project itself; reinstalled only when a lock or pyproject.toml changes.
$(BIN)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.lock
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	touch $@

# After changing a dependency in pyproject.toml: pins the newest versions it allows.
lock: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 pyproject.toml -o requirements.lock
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --extra dev pyproject.toml -o requirements-dev.lock

run: $(BIN)/.installed
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_demo
	DEBUG=$${DEBUG:-1} STATIC_COLLECTED=1 $(BIN)/python manage.py collectstatic --no-input -v0
	DEBUG=$${DEBUG:-1} STATIC_COLLECTED=1 PORT=$(PORT) bin/quickstart

# axe-core for the accessibility tests (package.json); without npm those tests skip, or fail in CI.
node_modules/.package-lock.json: package.json package-lock.json
	if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; fi

# `make test` runs the fast tests: none that drive a browser, start a server or worker, or need
# the national data set imported (the test markers in tests/conftest.py), one worker per core.
# `make test SUITE=all` runs every test, as CI does, one worker per core too: each worker
# imports the national data once into its own test database and takes whole files in the
# order tests/conftest.py gives them (the tests that flush the database last).
SUITE ?= fast
FAST_TESTS := -m "not browser and not services and not national" -n auto
ALL_TESTS := -n auto --dist loadfile --no-loadscope-reorder

test: $(BIN)/.installed-dev node_modules/.package-lock.json
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest $(if $(filter all,$(SUITE)),$(ALL_TESTS),$(FAST_TESTS)) $(PYTEST_ARGS)

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

# Mutation testing of the pure core ([tool.mutmut] in pyproject.toml): CPU heavy, so not in
# `make test`. MUTANTS='funding.money*' checks one module; mutants/ keeps results between runs.
# One BLAS thread per mutant: two mutants at a time already fill two cores.
mutation: $(BIN)/.installed-dev
	OPENBLAS_NUM_THREADS=1 nice -n 10 $(BIN)/mutmut run --max-children 2 $(MUTANTS)
	$(BIN)/mutmut results
	$(BIN)/mutmut results --all true | awk -F': ' '$$2 != "not checked" { \
	    name = $$1; sub(/^ +/, "", name); sub(/\.[^.]*$$/, "", name); total[name]++; \
	    if ($$2 == "killed" || $$2 == "timeout") killed[name]++ } \
	  END { for (name in total) printf "%-16s %4d/%4d killed  %5.1f%%\n", \
	    name, killed[name], total[name], 100 * killed[name] / total[name] }' | sort

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
