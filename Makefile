# Loket: `make run` starts it, `make test` tests it. Both install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUN_STAMP := $(VENV)/.run-installed
DEV_STAMP := $(VENV)/.dev-installed

.PHONY: run test test-slow lint bench chaos load shape-tools lock browser clean help
# In the language `loket` speaks (loket/cli/language.py): the first of LC_ALL, LC_MESSAGES
# and LANG that is set decides; English for en*, Dutch otherwise.
help:
	@lang=nl; for v in "$$LC_ALL" "$$LC_MESSAGES" "$$LANG"; do \
	  if [ -n "$$v" ]; then case "$$v" in en*) lang=en;; esac; break; fi; done; \
	if [ "$$lang" = en ]; then \
	  echo "make run    - install, migrate, seed a demo, start web + worker + scheduler + Redis"; \
	  echo "make test   - install and run the suite (all but the long fault tests)"; \
	  echo "make test-slow - the long fault tests (CI runs both)"; \
	  echo "make lint   - ruff and mypy"; \
	  echo "make bench  - the benchmarks (routing, crisis patterns, intake, the workspace, callbacks, escalation, the capacity simulation, reports on a million demo contacts)"; \
	  echo "make chaos  - the production shape (PostgreSQL, Redis, 2 web behind nginx, 2 workers, 2 schedulers) under faults"; \
	  echo "make load   - the production shape at 300 requests/s for ten minutes"; \
	  echo "make lock   - re-pin requirements*.lock from pyproject.toml"; \
	else \
	  echo "make run    - installeert, migreert, vult een demo en start web + worker + scheduler + Redis"; \
	  echo "make test   - installeert en draait de tests (alle behalve de lange storingstests)"; \
	  echo "make test-slow - de lange storingstests (CI draait beide)"; \
	  echo "make lint   - ruff en mypy"; \
	  echo "make bench  - de benchmarks (routering, crisispatronen, intake, de werkplek, terugbellen, escalatie, de capaciteitssimulatie, rapporten over een miljoen democontacten)"; \
	  echo "make chaos  - de productieopstelling (PostgreSQL, Redis, 2 web achter nginx, 2 workers, 2 schedulers) onder storingen"; \
	  echo "make load   - de productieopstelling tien minuten lang op 300 verzoeken/s"; \
	  echo "make lock   - legt requirements*.lock opnieuw vast uit pyproject.toml"; \
	fi

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Loket needs Python 3.11 or newer (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(RUN_STAMP): requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $@

$(DEV_STAMP): requirements-dev.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements-dev.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $@ $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/loket dev

# The suite but the long fault tests (worker and Redis killed, `loket dev` started), with a
# coverage floor; `make test-slow` runs those (CI runs both).
COVERAGE_FLOOR ?= 90
test: $(DEV_STAMP) browser
	$(BIN)/python -m pytest -m "not slow" --cov=loket --cov-report=term:skip-covered \
	  --cov-fail-under=$(COVERAGE_FLOOR)

test-slow: $(DEV_STAMP)
	$(BIN)/python -m pytest -m slow

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy loket proof bench
	$(BIN)/mypy --strict loket/routing

# Every benchmark runs; the target fails (exit 1) when any of them missed its target.
BENCHES := routing crisis intake desk callbacks escalation simulation reports
bench: $(DEV_STAMP)
	@failed=""; for b in $(BENCHES); do \
	  $(BIN)/python bench/bench_$$b.py || failed="$$failed $$b"; done; \
	  if [ -n "$$failed" ]; then echo "make bench: targets missed in:$$failed"; exit 1; fi

# The production shape (proof/shape.py, docs/production.md): faults and load. Each prints its
# figures and exits 1 when a target is missed.
chaos: $(DEV_STAMP) shape-tools
	$(BIN)/python -m proof.chaos

load: $(DEV_STAMP) shape-tools
	$(BIN)/python -m proof.load

# The shape runs Debian's nginx and a PostgreSQL cluster of its own (pg_createcluster).
shape-tools:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null) \
	      || { echo "could not install nginx with apt-get"; exit 1; }; \
	  else echo "the production shape needs Debian's nginx: sudo apt-get install nginx-light"; exit 1; fi; }
	@command -v pg_createcluster >/dev/null 2>&1 || { \
	  echo "the production shape needs Debian's postgresql (pg_createcluster)"; exit 1; }

# Browser tests drive Debian's Chromium; never a browser downloaded by a test tool.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || { echo "could not install chromium with apt-get"; exit 1; }; \
	  else echo "the browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; fi; }

lock: | $(BIN)/python
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 pyproject.toml -o requirements.lock
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --extra dev pyproject.toml -o requirements-dev.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
