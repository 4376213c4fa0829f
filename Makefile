# Setup is idempotent: the venv is made once, and the project is reinstalled only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
FASHION_MNIST := /usr/share/datasets/fashion-mnist

.PHONY: install demo dashboard lint test test-fast bench chromium postgres fashion-data clean

install: $(INSTALLED)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# pip (not uv/poetry): it takes torch and torchvision from this machine's disk.
$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

demo: install
	$(BIN)/python -m pipeline compare digits_mlp

# Serves the demo's runs/digits_mlp.db on http://127.0.0.1:8080/dashboard/ until Ctrl-C.
dashboard: install
	$(BIN)/python -m pipeline dashboard digits_mlp

# ruff (lint + format, line length 120, settings in pyproject.toml): `$(BIN)/ruff format .` fixes the format.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install chromium postgres lint
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m 'not slow'

# Short budgets (a few minutes); each script's --help gives the full ones. Figures go to benchmarks/results/.
bench: install postgres
	$(BIN)/python benchmarks/data_loading.py --epochs 1
	$(BIN)/python benchmarks/overhead.py --trials 30
	$(BIN)/python benchmarks/sampler_efficiency.py --seeds 3 --trials 20
	$(BIN)/python benchmarks/pruning.py --seeds 3 --trials 20
	$(BIN)/python benchmarks/pruner_search.py --seeds 3 --trials 20
	$(BIN)/python benchmarks/contention.py --trials 4
	$(BIN)/python benchmarks/gpu.py
	$(BIN)/python benchmarks/parallel.py --trials 30
	$(BIN)/python benchmarks/dashboard_views.py
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/postgres.py --trials 12

# The browser test drives Debian's chromium through playwright (never `playwright install`: it downloads).
chromium:
	@test -x /usr/bin/chromium || { apt-get update && apt-get install -y chromium; }

# The PostgreSQL tests start a throwaway server from Debian's postgresql (initdb + pg_ctl, on 127.0.0.1).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update && apt-get install -y postgresql; }

# Full Fashion-MNIST from Debian's package (the studies fashion_mnist_* read it from there).
fashion-data:
	@test -d $(FASHION_MNIST) || { apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist; }
	@ls $(FASHION_MNIST)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
