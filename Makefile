# Winnow: `make run` materializes the graph once, `make test` runs the suite, `make ui` serves Dagster.
SHELL := /bin/bash
PYTHON ?= python3
# Resolved when used (after `setup` may have installed it): uv on PATH, else pip's `python -m uv`.
UV = $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: run test ui lint bench-quality bench-speed bench-fetch crawl-demo train demo setup

# Install uv with pip when it is missing, then sync the locked environment.
setup:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || \
		$(PYTHON) -m pip install --quiet uv || \
		$(PYTHON) -m pip install --quiet --user --break-system-packages uv
	@$(UV) sync --locked --quiet
	@mkdir -p $(DAGSTER_HOME)

run: setup
	$(UV) run --locked python -m orchestration.run_once

test: setup
	$(UV) run --locked pytest

ui: setup
	$(UV) run --locked dagster dev -h 127.0.0.1 -p 3000

lint: setup
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .

bench-quality: setup
	$(UV) run --locked python bench/quality.py --write-docs

bench-speed: setup
	$(UV) run --locked python bench/speed.py

# Retrain the block classifier from ../shared/datasets (fixed seeds), reporting
# leave-one-dataset-out F1 first; writes winnow/extract/model/.
train: setup
	$(UV) run --locked python bench/train.py --lodo

bench-fetch: setup
	$(UV) run --locked python bench/fetch.py --write-docs

# Serve data/demo on 127.0.0.1 (sitemaps, feeds), crawl it twice into data/crawl-demo/.
crawl-demo: setup
	$(UV) run --locked python -m bench.crawl_demo

demo: setup
	$(UV) run --locked python data/generate_demo.py
