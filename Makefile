# Community Portal — see README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# make run PORT=8001: the server and every link the portal writes (emails, demo logins) use that port.
PORT ?= 8000
export PORT

.PHONY: run test screenshots lint worker beat migrate demo messages assets bench bench-outbox bench-web bench-portraits clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP) $@

## run: install, migrate, load the demo edition and serve on http://127.0.0.1:$(PORT)
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The suite in parallel processes (pytest-xdist), one per core; tests marked with an xdist_group
# (those sharing the suite's Redis databases) stay in one process. PYTEST_XDIST= runs it in one process.
PYTEST_XDIST ?= -n auto --dist loadgroup

# Where PYTHONDONTWRITEBYTECODE is set (this machine's environment sets it), each process compiled the
# project again and pytest rewrote the asserts of every test module again: about 3 s of CPU per process
# before the first test. The suite's runs keep their bytecode in var/pycache instead (nothing is
# written beside the sources or into the virtualenv).
test screenshots: export PYTHONDONTWRITEBYTECODE :=
test screenshots: export PYTHONPYCACHEPREFIX := $(CURDIR)/var/pycache

# The second pass collects only the test files that name the one_process marker (tests/conftest.py
# refuses a test marked without naming it): collecting the whole suite again took longer than the tests.
ONE_PROCESS_FILES = $(shell grep -rl --include='test_*.py' one_process tests)

## test: install and run the whole suite (SQLite; .ci/run uses PostgreSQL and Redis): in parallel,
## then, on PostgreSQL, the tests marked one_process (the real Celery worker's) on their own; 5 is
## "none selected". On SQLite those tests can only skip (the worker must share the test database):
## they are in the parallel pass, which reports them skipped with their reason, and no second pass
## starts Django again for them.
ifneq (,$(findstring postgres,$(DATABASE_URL)))
test: $(DEV_STAMP)
	$(BIN)/python -m pytest $(PYTEST_XDIST) -m "not one_process" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m one_process $(PYTEST_ARGS) $(ONE_PROCESS_FILES) || [ $$? -eq 5 ]
else
test: $(DEV_STAMP)
	$(BIN)/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)
endif

## screenshots: the browser tests, writing their screenshots to var/screenshots/ (make test takes none)
screenshots: $(DEV_STAMP)
	PORTAL_SCREENSHOTS=1 $(BIN)/python -m pytest $(PYTEST_XDIST) -m "not one_process" -k browser $(PYTEST_ARGS)

## lint: ruff, the import layers (import-linter, contracts in pyproject.toml) and makemigrations --check
lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

## worker / beat: Celery processes, for a broker set in CELERY_BROKER_URL
worker: $(STAMP)
	@test -n "$$CELERY_BROKER_URL" || { echo "Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0): without it tasks run in-process and no worker is needed."; exit 1; }
	$(BIN)/celery -A config.celery_app worker --loglevel=INFO

beat: $(STAMP)
	@test -n "$$CELERY_BROKER_URL" || { echo "Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0) for beat to queue the periodic tasks."; exit 1; }
	mkdir -p var
	$(BIN)/celery -A config.celery_app beat --loglevel=INFO --schedule var/celerybeat-schedule

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

demo: $(STAMP)
	$(BIN)/python manage.py seed_demo

## messages: extract the strings to translate into locale/{fr,es}
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l fr -l es --ignore=.venv --ignore=node_modules --ignore=static/vendor
	$(BIN)/python manage.py compilemessages --ignore=.venv

## assets: refresh static/vendor from the npm registry (the result is committed)
assets:
	npm ci --no-audit --no-fund
	mkdir -p static/vendor/bootstrap/css static/vendor/bootstrap/js static/vendor/htmx
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map static/vendor/bootstrap/css/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map static/vendor/bootstrap/js/
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	# Chart.js (MIT) for the staff's survey results: its UMD build, no CDN.
	mkdir -p static/vendor/chartjs
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map node_modules/chart.js/LICENSE.md static/vendor/chartjs/
	# axe-core only for the accessibility tests: kept under tests/, never served.
	mkdir -p tests/vendor/axe-core
	cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE tests/vendor/axe-core/

clean:
	rm -rf $(VENV) db.sqlite3 var staticfiles

## bench: both benchmarks against the machine's PostgreSQL and Redis (README "Benchmarks")
bench: bench-outbox bench-web bench-portraits

## bench-outbox: the outbox benchmark (bench/outbox.py; options in BENCH_ARGS)
bench-outbox: $(DEV_STAMP)
	$(BIN)/python bench/outbox.py $(BENCH_ARGS)

## bench-portraits: the export of 10,000 portraits in-process, rows/s and peak memory (bench/portraits.py)
bench-portraits: $(DEV_STAMP)
	$(BIN)/python bench/portraits.py $(BENCH_PORTRAITS_ARGS)

## bench-web: gunicorn and wrk over 20,000 members (bench/web.py; options in BENCH_WEB_ARGS); writes bench/results.json
bench-web: $(DEV_STAMP)
	$(BIN)/python bench/web.py $(BENCH_WEB_ARGS)
