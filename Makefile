# The two commands of the README, plus helpers. Everything installs into .venv on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# No MPLBACKEND here: the book's kernels need IPython's inline backend to render figures
# (with Agg a glued figure is only its text repr); the tests select Agg themselves.

# Not in a _static/ folder: Jupyter Book would add every .js found there to every page.
MATHJAX := .cache/static/mathjax/tex-mml-chtml.js
# Each page's rows of the claim ledger, written while its notebook runs (collapse/ledger.py).
LEDGER_ROWS := _build/downloads/ledger

.PHONY: help venv test test-fast lint book serve baselines clean browser-test

help:
	@echo "make test       set up .venv, run the whole test suite (with image comparisons)"
	@echo "make test-fast  the same without the slow tests (trainer integration, notebook runs)"
	@echo "make book       set up .venv, build the Jupyter Book into _build/html (warnings = errors)"
	@echo "make lint       ruff and mypy"
	@echo "make baselines  regenerate the figure tests' data and image baselines, and the claim"
	@echo "                verdicts of the last make book (tests/baseline/ledger.json)"
	@echo "make browser-test  open every page of the built book in headless Chromium"
	@echo "make serve      build the book and serve it on http://127.0.0.1:8000/"
	@echo "make clean      remove _build, runs and caches (keeps .venv)"

# Exact versions come from constraints.txt so that figures and their baselines stay bit-stable.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c constraints.txt -e ".[book,test,gpu]"
	touch $(STAMP)

venv: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

# The loop while changing one page: everything but trainer integration and notebook executions.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check collapse tests benchmarks browser_tests book/_ext
	$(BIN)/mypy

# MathJax 3 from the npm registry, served with the book so equations render offline.
$(MATHJAX):
	npm install --no-audit --no-fund --silent --prefix .cache/npm mathjax@3.2.2
	mkdir -p .cache/static/mathjax
	cp -r .cache/npm/node_modules/mathjax/es5/. .cache/static/mathjax/

book: $(STAMP) $(MATHJAX)
	rm -rf _build/downloads
	COLLAPSE_DOWNLOADS=$(CURDIR)/_build/downloads $(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going --builder html
	$(BIN)/python -m collapse.ledger $(LEDGER_ROWS) --out _build/html/ledger
	@echo "Book built: $(CURDIR)/_build/html/index.html"

serve: book
	@echo "Serving the book at http://127.0.0.1:8000/ (Ctrl-C to stop)"
	$(BIN)/python -m http.server 8000 --bind 127.0.0.1 --directory _build/html

# The claim ledger's verdicts come from the last `make book` (the book's own scale).
baselines: $(STAMP)
	$(BIN)/python -m pytest tests/test_figures.py --update-data-baselines \
		--mpl-generate-path=tests/baseline/images
	@if test -d $(LEDGER_ROWS); then \
		$(BIN)/python -m collapse.ledger $(LEDGER_ROWS) --out _build/html/ledger --update; \
	else echo "no built book: the claim-ledger baseline is unchanged (make book, then make baselines)"; fi

# Headless Chromium opens every page of the built book (Debian's chromium, no browser download).
browser-test: $(STAMP)
	@test -f _build/html/index.html || { echo "no built book: run make book first"; exit 1; }
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt \
		-e ".[browser]"
	$(BIN)/python -m pytest browser_tests -o addopts="-ra" -p no:cacheprovider
	@echo "Screenshots: $(CURDIR)/_build/screenshots/"

clean:
	rm -rf _build runs .pytest_cache .mypy_cache .ruff_cache
