# Shipdesk — the two commands a newcomer runs on a fresh Debian machine (12 or 13, Python 3.11–3.13):
#   make run    install everything, then run Shipdesk on SQLite with demo data at http://127.0.0.1:8000
#   make test   install everything, then run the whole test suite on SQLite and on PostgreSQL
SHELL := /bin/bash
# The machine's own python3 when it is 3.11–3.13, else the newest supported one found
# (bin/find-python); `make test PYTHON=python3.13` picks one by hand.
PYTHON ?= $(shell bin/find-python | head -n 1)
# A second supported Python, if the machine has one: `make test` installs Shipdesk there too and
# runs the migrations and the pure tests on it, so both 3.11 and 3.13 stay proven.
OTHER_PYTHON ?= $(shell bin/find-python --other "$(PYTHON)")
OTHER_VENV := var/venv-other
VENV := .venv
BIN := $(VENV)/bin
# Debian packages the tests need: a real browser for the dashboard tests (Playwright drives
# Debian's chromium; `playwright install` cannot download browsers here), fonts, and the tools
# that render PDFs to images and decode their barcodes; pg_dump/pg_restore for the backup test and
# systemd-analyze for the deploy-guide test.
DEBIAN_PACKAGES := chromium fonts-dejavu-core poppler-utils zbar-tools postgresql-client systemd
# PostgreSQL for the second test run; CI and the dev machines run it on 127.0.0.1:5432.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/shipdesk
PYTEST_WORKERS ?= 2

.PHONY: run lint test test-fast test-sqlite test-postgres test-other-python other-python-install other-python-checks install debian-packages clean bench screenshots

$(BIN)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Shipdesk needs Python 3.11, 3.12 or 3.13 (python3 on Debian 12 or 13); none was found." >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(None if (3, 11) <= sys.version_info[:2] <= (3, 13) else "Shipdesk needs Python 3.11 to 3.13, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade "pip==25.3"
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $@

install: $(BIN)/.installed debian-packages

debian-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# The port `make run` serves on; every link it prints and every email's link follow it.
PORT ?= 8000

run: install
	$(BIN)/shipdesk run --demo --port $(PORT)

# A new password for the demo logins (printed), when the one `make run` printed was changed.
.PHONY: demo-password
demo-password: install
	$(BIN)/shipdesk demo --new-password

# One style (ruff: lint and format, configured in pyproject.toml) and the import contracts of
# docs/architecture.md (import-linter: layers, independent leaf apps). `make test` runs it first.
lint: install
	$(BIN)/ruff check src tests bench && $(BIN)/ruff format --check src tests bench && $(BIN)/lint-imports

# The second Python's install (a venv and the pinned packages, most of a minute of downloads and
# unpacking) runs in the background while lint and the two suites run; its checks run after them.
# Its output is in var/other-python/install.log.
test: install
	@mkdir -p var/other-python; rm -f var/other-python/install.status; \
	( $(MAKE) --no-print-directory other-python-install > var/other-python/install.log 2>&1; \
	  echo $$? > var/other-python/install.status ) & \
	status=0; $(MAKE) --no-print-directory lint test-sqlite test-postgres || status=$$?; \
	wait; \
	if [ $$status -ne 0 ]; then exit $$status; fi; \
	$(MAKE) --no-print-directory other-python-checks

# While you work: the rules, services, API and pages on SQLite, without the browser, the fuzzer,
# real processes and the long Hypothesis runs (marker "slow"); under a minute on 2 cores.
test-fast: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q -m "not slow"

# The Hypothesis "ci" profile (tests/conftest.py): no per-example deadline on a shared machine.
test-sqlite: install
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest -n $(PYTEST_WORKERS) -q

# The pure tests (marker set by tests/conftest.py: no database, nothing served) are left out of the
# second run: without a database they are the same test on PostgreSQL as on SQLite, and
# test-other-python runs them again on the second Python.
test-postgres: install
	HYPOTHESIS_PROFILE=ci DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -n $(PYTEST_WORKERS) -q -m "not pure"

# The other supported Python: a clean install of the pinned packages, every migration on a new
# SQLite database, the demo shop built through the services, and the pure tests (the full suite
# has already run on $(PYTHON) above).
test-other-python: other-python-install other-python-checks

# A clean venv on the second Python with the pinned packages (nothing to do when there is none).
other-python-install: install
	@rm -f var/other-python/install.status; \
	if [ -n "$(OTHER_PYTHON)" ]; then \
	  set -e; echo "Installing Shipdesk on a second Python: $$($(OTHER_PYTHON) --version) ($(OTHER_PYTHON))"; \
	  rm -rf $(OTHER_VENV) var/other-python/data; mkdir -p var/other-python/data; $(OTHER_PYTHON) -m venv $(OTHER_VENV); \
	  $(OTHER_VENV)/bin/pip install --quiet --disable-pip-version-check "pip==25.3"; \
	  $(OTHER_VENV)/bin/pip install --quiet --disable-pip-version-check ".[test]"; \
	fi

# On that venv: every migration on a new SQLite database, the demo shop, and the pure tests. After
# a background install (`make test`), its status and log are checked first.
other-python-checks: install
	@if [ -z "$(OTHER_PYTHON)" ]; then \
	  echo "Only one supported Python on this machine ($$($(PYTHON) --version)); no second interpreter to check."; \
	else \
	  set -e; \
	  if [ -f var/other-python/install.status ] && [ "$$(cat var/other-python/install.status)" != 0 ]; then \
	    cat var/other-python/install.log; echo "Installing Shipdesk on $(OTHER_PYTHON) failed (above)." >&2; exit 1; \
	  fi; \
	  echo "Checking Shipdesk on a second Python: $$($(OTHER_PYTHON) --version) ($(OTHER_PYTHON))"; \
	  SHIPDESK_DATA_DIR=var/other-python/data DEBUG=1 $(OTHER_VENV)/bin/shipdesk migrate --no-input -v 0; \
	  SHIPDESK_DATA_DIR=var/other-python/data DEBUG=1 $(OTHER_VENV)/bin/shipdesk demo > var/other-python/demo.log; \
	  HYPOTHESIS_PROFILE=ci $(OTHER_VENV)/bin/pytest -q -m pure -n $(PYTEST_WORKERS); \
	fi

# The README's pictures: the browser tests that take them, writing into docs/screenshots/ instead
# of var/screenshots/ (where every test run puts them, so a run never dirties the clone).
screenshots: install
	SHIPDESK_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/pytest -q -m screenshots tests/e2e

# Benchmarks (bench/, results in docs/benchmarks.md): the 1,000,000-order database is generated
# once (about 5–6 minutes on 2 cores) and reused until bench/generate.py or a migration changes;
# the run itself takes about 5 minutes; then the 10,000-row CSV import on SQLite and PostgreSQL
# (bench/imports.py, about 2 minutes, its own fresh databases).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/shipdesk_bench
BENCH_MARKER := var/bench/dataset.marker

bench: install
	@mkdir -p var/bench
	@want=$$(cat bench/generate.py src/shipdesk/*/migrations/*.py | sha256sum | cut -c1-16); \
	if [ "$$want" != "$$(cat $(BENCH_MARKER) 2>/dev/null)" ] || \
	   ! psql "$(BENCH_DATABASE_URL)" -tAc 'SELECT 1 FROM orders_order LIMIT 1' 2>/dev/null | grep -q 1; then \
	  echo "Generating the 1,000,000-order bench database (about 5–6 minutes)…"; \
	  DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/generate.py && echo "$$want" > $(BENCH_MARKER); \
	fi
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/run.py
	$(BIN)/python bench/imports.py

clean:
	rm -rf $(VENV) var
