# audit-prep: the two commands of the README, and a few helpers.
#   make run   set everything up (venv, the dependencies running needs, SQLite, demo data) and
#              serve on :8000
#   make test  add the test dependencies and run the whole test suite
# Any Python that Django 5.2 supports from 3.11 on: PYTHON=python3.13 make run
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/audit_prep
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test test-sqlite test-postgres lint setup messages bench clean system-packages ocr-packages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==25.3

# Two stamps: .installed-run (what running needs: `pip install -e .`) and .installed (that plus
# the test tools, `.[test]`, for lint, tests, messages and benches).
$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

setup: $(VENV)/.installed-run ocr-packages
	DJANGO_DEBUG=true $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=true $(PY) manage.py seed_demo

run: setup
	DJANGO_DEBUG=true $(PY) manage.py rundemo

# ruff, then mypy over the apps (configured in pyproject.toml; cache in .mypy_cache).
lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m mypy

# Debian packages the tests drive for real: Chromium for the browser tests (never a downloaded
# browser), nginx for the slow-client tests (tests/integration/test_slow_clients.py), and the
# OCR engine (ocr-packages, below: tests/evidence/test_ocr*.py). Installed
# when missing, as root, from Debian's registry; where that is impossible the tests that need
# them skip, and fail under CI.
SYSTEM_PACKAGES := chromium nginx
system-packages: ocr-packages
	@missing=""; for package in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "== installing Debian packages for the tests:$$missing"; \
			export DEBIAN_FRONTEND=noninteractive; \
			apt-get install -y -q --no-install-recommends $$missing >/dev/null \
				|| { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $$missing >/dev/null; }; \
		else echo "== missing Debian packages:$$missing (not root: the tests needing them skip, and fail under CI)"; fi; \
	fi

# The OCR engine that reads scans (decision 0031): Tesseract with its French data and poppler's
# pdftoppm, Debian packages installed when missing, as root; elsewhere the service runs all the
# same and says that scans will not be searchable (`manage.py check`: evidence.W001), and the
# tests that need the engine skip (they fail under CI).
OCR_PACKAGES := tesseract-ocr tesseract-ocr-fra poppler-utils
ocr-packages:
	@if command -v pdftoppm >/dev/null 2>&1 && command -v tesseract >/dev/null 2>&1 \
		&& tesseract --list-langs 2>/dev/null | grep -qx fra; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "== installing the OCR engine: $(OCR_PACKAGES)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -q --no-install-recommends $(OCR_PACKAGES) >/dev/null \
			|| { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $(OCR_PACKAGES) >/dev/null; } \
			|| echo "== the OCR engine could not be installed: scans (images, PDFs without text) will not be searchable"; \
	else echo "== no OCR engine (install $(OCR_PACKAGES) as root): the service runs, but scans (images, PDFs without text) will not be searchable"; fi

# PostgreSQL is used when it answers on 127.0.0.1:5432, and is mandatory in CI (CI=true).
POSTGRES = $(shell if [ "$$CI" = "true" ] || $(PYTHON) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then echo yes; fi)

# Each test runs where it tells something. With PostgreSQL:
# - the SQLite run (the embedded default) takes everything but the role x scope matrices
#   (marker `permissions`) and the data migrations' round trips (marker `migrations`), which run
#   once, on PostgreSQL, production's database (every run still migrates its SQLite database
#   forward from nothing, as `make run` does);
# - the PostgreSQL run takes the tests that reach the database (marker `database`) but the
#   browser tests, which drive pages whose server side the rest of the suite checks on both.
# Tests that reach no database (settings, Docker files, code rules, the benches, which make
# their own databases) answer the same anywhere and run once, on SQLite.
# Without PostgreSQL (outside CI) the SQLite run takes everything.
test-sqlite: $(VENV)/.installed system-packages
	env -u DATABASE_URL $(PY) -m pytest -n 2 $(if $(POSTGRES),-m "not permissions and not migrations")

test-postgres: $(VENV)/.installed system-packages
	@if [ -n "$(POSTGRES)" ]; then \
		echo "== test suite on PostgreSQL"; DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest -n 2 -m "database and not browser"; \
	else echo "== PostgreSQL not reachable on 127.0.0.1:5432: PostgreSQL run skipped, the permission matrices ran on SQLite (PostgreSQL is mandatory in CI)"; fi

test: lint test-sqlite test-postgres

messages: $(VENV)/.installed
	DJANGO_DEBUG=true $(PY) manage.py makemessages -l fr -l en --no-location \
		--ignore='.venv/*' --ignore='tests/*' --ignore='bench/*' --ignore='data/*' --ignore='docker/*'
	DJANGO_DEBUG=true $(PY) manage.py compilemessages --ignore='.venv/*'

bench: $(VENV)/.installed
	$(PY) bench/upload_memory.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache
