# Winnow: `make run` materializes the graph once, `make test` runs the suite, `make ui` serves Dagster.
SHELL := /bin/bash
PYTHON ?= python3
# Resolved when used (after `setup` may have installed it): uv on PATH, else pip's `python -m uv`.
UV = $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
# Dagster's history lives beside the warehouse (data/warehouse.dagster/ for
# data/warehouse.duckdb; orchestration/home.py), unless DAGSTER_HOME is set.
# `make ui UI_PORT=3001` serves elsewhere.
UI_HOST ?= 127.0.0.1
UI_PORT ?= 3000

.PHONY: export run test test-reliability ui browser lint bench-quality bench-speed bench-fetch bench-scale bench-dask bench-stories crawl-demo train demo setup backfill dask dask-stop backfill-dask

# Install uv with pip when it is missing, then sync the locked environment.
setup:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || \
		$(PYTHON) -m pip install --quiet uv || \
		$(PYTHON) -m pip install --quiet --user --break-system-packages uv
	@$(UV) sync --locked --quiet
	@$(UV) run --locked python -m winnow.parse.build_walk

# `make run FRESH=1` starts from an empty warehouse (after switching sources, say).
run: setup
	$(UV) run --locked python -m orchestration.run_once $(if $(FRESH),--fresh)

test: setup browser
	$(UV) run --locked pytest

# Chromium for the UI screenshot test (tests/test_ui.py): Debian's package when missing; never
# fails the build (without a browser that one test is skipped and says why).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
		{ SUDO=$$( [ "$$(id -u)" = 0 ] || echo "sudo -n" ); \
		  ( $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium ) >/dev/null 2>&1 \
		  && echo "installed chromium" \
		  || echo "could not install chromium: the UI screenshot test will be skipped"; }

# Hostile inputs, kills and concurrency (docs/RELIABILITY.md); also part of `make test`.
test-reliability: setup
	$(UV) run --locked pytest -m reliability -v

# Runs killed earlier are marked failed first, so they do not hold the writing-run slot.
# Stops cleanly on SIGTERM, SIGINT (Ctrl-C) or SIGHUP, leaving no Dagster process behind.
ui: setup
	@home="$$($(UV) run --locked python -m orchestration.home)" && export DAGSTER_HOME="$$home" && \
		echo "Dagster history: $$home" && $(UV) run --locked python -m orchestration.monitor && \
		$(UV) run --locked python -m orchestration.ui --host $(UI_HOST) --port $(UI_PORT)

# The published articles as Parquet in data/export/ (FORMAT=jsonl, SINCE=2026-03-01, OUT=dir).
FORMAT ?= parquet
OUT ?= data/export
export: setup
	$(UV) run --locked winnow export --format $(FORMAT) --out $(OUT) $(if $(SINCE),--since $(SINCE))

lint: setup
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .

# Same-session tables: every system on every shared set (docs/BENCHMARKS.md), then the
# classifier's held-out figures (leave-one-dataset-out, site-grouped CV) beside the
# single-page baselines (docs/QUALITY_NOTES.md). Training runs under nice.
bench-quality: setup
	$(UV) run --locked python bench/quality.py --write-docs --json bench/out/quality.json --preds-dir bench/out/preds
	nice -n 10 $(UV) run --locked python bench/train.py --lodo-only --cv --cache bench/out --json bench/out/heldout.json
	$(UV) run --locked python bench/generalisation.py --held-out bench/out/heldout.json --quality bench/out/quality.json --write

bench-speed: setup
	$(UV) run --locked python bench/speed.py --write-docs

# Retrain the block classifier from ../shared/datasets (fixed seeds), reporting
# leave-one-dataset-out F1 first; writes winnow/extract/model/.
train: setup
	nice -n 10 $(UV) run --locked python bench/train.py --lodo --cache bench/out

bench-fetch: setup
	$(UV) run --locked python bench/fetch.py --write-docs

# Serve data/demo on 127.0.0.1 (sitemaps, feeds), crawl it twice into data/crawl-demo/.
crawl-demo: setup
	$(UV) run --locked python -m bench.crawl_demo

demo: setup
	$(UV) run --locked python data/generate_demo.py

# Every WARC file of the warc sources as a partition, in one run of parallel steps.
backfill: setup
	$(UV) run --locked python -m orchestration.backfill

# A dask.distributed scheduler and two single-threaded workers on 127.0.0.1 (make dask-stop).
DASK_ADDRESS ?= tcp://127.0.0.1:8786
dask: setup
	@mkdir -p .dask
	@$(CURDIR)/.venv/bin/dask scheduler --host 127.0.0.1 --port 8786 \
		--dashboard-address 127.0.0.1:8787 > .dask/scheduler.log 2>&1 & echo $$! > .dask/scheduler.pid
	@sleep 3
	@for i in 1 2; do $(CURDIR)/.venv/bin/dask worker $(DASK_ADDRESS) --host 127.0.0.1 \
		--nthreads 1 --no-dashboard > .dask/worker$$i.log 2>&1 & echo $$! > .dask/worker$$i.pid; done
	@sleep 3
	@echo "dask scheduler $(DASK_ADDRESS) with 2 workers (logs in .dask/)"

dask-stop:
	@for f in .dask/worker1.pid .dask/worker2.pid .dask/scheduler.pid; do \
		[ -f $$f ] && kill $$(cat $$f) 2>/dev/null; rm -f $$f; done; true

# The same backfill on the dask cluster `make dask` started.
backfill-dask: setup
	$(UV) run --locked python -m orchestration.backfill --dask $(DASK_ADDRESS)

# Story clustering of 100,000 synthetic article bodies: bodies/s, pairs/s, peak RSS, nightly +1 %.
bench-stories: setup
	nice -n 10 $(UV) run --locked python bench/stories.py --write-docs

# Memory and per-page cost at 2k/10k/20k pages and a nightly 1 % run (docs/BENCHMARKS.md).
bench-scale: setup
	$(UV) run --locked python bench/scale.py --skip-dask --write-docs

# The same backfill on a LocalCluster of 1 worker (one core) then 2 workers on 127.0.0.1.
bench-dask: setup
	$(UV) run --locked python bench/scale.py --dask-only --write-docs
