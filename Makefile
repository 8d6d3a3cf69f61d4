# Two commands for a newcomer: `make run` (start the dashboard) and `make test` (the whole suite).
# Both create .venv when missing and (re)install the project only when pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SYSTEM_PACKAGES := chromium poppler-utils fonts-dejavu-core
PORT ?= 8501

.PHONY: run test lint typecheck pytest system-deps venv warm benchmark clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

# numba's cache=True writes compiled kernels to __pycache__ beside simulations/compiled (the
# editable install's source tree; numba falls back to a per-user cache where that is read-only),
# so the first answer after a restart does not wait for the compiler
warm: $(STAMP)
	$(PY) -m planner warm

run: warm
	@echo "dashboard: http://localhost:$(PORT)"
	$(PY) -m streamlit run app.py --server.headless true --server.port $(PORT) --server.address 0.0.0.0

system-deps:
	@missing=""; \
	for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages:$$missing -- run: sudo apt-get install -y$$missing" >&2; exit 1; \
	  fi; \
	fi

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy

pytest: $(STAMP) system-deps warm
	$(PY) -m pytest -q

test: system-deps $(STAMP) lint typecheck pytest

benchmark: $(STAMP)
	$(PY) benchmarks/engine_speed.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
