# eventsite developer tasks (GNU make).
PY ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
REQS := requirements.txt requirements-dev.txt
FLASK := $(VENV)/bin/flask --app wsgi
PYTEST_ARGS ?=
# Page checkers the tests run, from the npm registry (pinned): the Nu HTML checker and axe-core.
NODE_TOOLS := vnu-jar@26.9.27 axe-core@4.14.1
# Extra pip-audit arguments, e.g. AUDIT_ARGS="--no-deps --disable-pip" to check only the pins (fast).
AUDIT_ARGS ?=

.PHONY: setup system-deps run test audit bench lint clean

setup: $(STAMP)

# System packages are (re)checked on every run; the script is silent and fast
# when nothing is missing.
system-deps:
	bash scripts/setup-system.sh

$(VENV)/bin/python: | system-deps
	$(PY) -m venv $(VENV)

# Re-install only when a requirements file (or NODE_TOOLS, in this file) is newer than the stamp.
$(STAMP): $(REQS) Makefile | system-deps $(VENV)/bin/python
	$(VENV)/bin/pip install --disable-pip-version-check $(addprefix -r ,$(REQS))
	npm install --no-save --no-audit --no-fund --loglevel=error --prefix $(VENV)/npm $(NODE_TOOLS)
	touch $@

run: setup
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port 5000

# Both backends and the dependency audit always run, side by side (scripts/test_all.sh);
# the target fails if any of them failed.
# The audit fails only on a known vulnerability; what it cannot check (no network) it names.
test: setup
	@VENV=$(VENV) PYTEST_ARGS="$(PYTEST_ARGS)" AUDIT_ARGS="$(AUDIT_ARGS)" bash scripts/test_all.sh

audit: setup
	$(VENV)/bin/python scripts/audit_deps.py requirements.txt -- $(AUDIT_ARGS)

bench: setup
	$(VENV)/bin/python benchmarks/run_all.py

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) instance/ .pytest_cache .ruff_cache .coverage htmlcov
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
