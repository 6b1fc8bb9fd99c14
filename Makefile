# ibcm-runbook: the two commands a new user needs are `make html` and `make test`.
# Each sets up what it needs: a virtualenv in .venv with the package and its
# dependencies, and Debian packages (installed when run as root).  Each target
# installs only the extras it uses, once: the package and Aerleon for html, pdf, check
# and publish; the test extras for test, goldens and lint; sphinx-autobuild for serve.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
BASE_STAMP := $(VENV)/.stamp-base
TEST_STAMP := $(VENV)/.stamp-test
SERVE_STAMP := $(VENV)/.stamp-serve
SPHINXOPTS ?= -W --keep-going -q
DOCS := docs
BUILD := $(DOCS)/_build

HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: html pdf serve test lint check goldens publish bench clean help

help:
	@echo "make html     build every site's runbook into $(BUILD)/html/"
	@echo "make pdf      build one PDF per site into $(BUILD)/pdf/<site-code>.pdf"
	@echo "make serve    live preview on http://$(HOST):$(PORT)/, rebuilt and reloaded when docs, site inputs or templates change"
	@echo "make test     run the whole test suite"
	@echo "make check    validate site_inputs/ only"
	@echo "make lint     ruff and mypy"
	@echo "make goldens  rewrite tests/golden/ from the current output (review the diff before committing)"
	@echo "make publish DEST=/srv/runbooks   publish the built HTML and PDFs (DEST/current; PUBLISHOPTS=--rollback)"
	@echo "make bench    time check, generate, html (against plain Sphinx), rebuilds and pdf for BENCH_SITES synthetic sites"
	@echo "make clean    remove the build output and the generated sources"

# The virtualenv with the package, its runtime dependencies and the firewall extra (Aerleon, for the
# configurations of firewalls with a `platform`): what html, pdf, check and publish need.
$(BASE_STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "ibcm-runbook needs Python 3.11 or newer (found $$($(PYTHON) --version))" >&2; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' >/dev/null 2>&1 || { echo "missing Python venv support: install the Debian package python3-venv" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[firewall]'
	@touch $@

# The test tools (pytest, ruff, mypy, Playwright's browser driver) and, for the preview's test, the serve extra.
$(TEST_STAMP): $(BASE_STAMP)
	$(BIN)/pip install --quiet -e '.[test,serve,firewall]'
	@touch $@

# sphinx-autobuild for the live preview.
$(SERVE_STAMP): $(BASE_STAMP)
	$(BIN)/pip install --quiet -e '.[serve]'
	@touch $@

html: $(BASE_STAMP)
	@scripts/ensure-system-deps html
	$(BIN)/ibcm-runbook build html --docs $(DOCS) --output $(BUILD)/html --sphinx-opts "$(SPHINXOPTS)"
	@echo "HTML runbooks: $(BUILD)/html/index.html"

# Reproducible PDFs: `SOURCE_DATE_EPOCH=... make pdf` (or as a make variable) reaches TeX.
ifdef SOURCE_DATE_EPOCH
export SOURCE_DATE_EPOCH
endif

pdf: $(BASE_STAMP)
	@scripts/ensure-system-deps pdf
	$(BIN)/ibcm-runbook build pdf --docs $(DOCS) --output $(BUILD) --sphinx-opts "$(SPHINXOPTS)"

# Live preview: rebuilds on every change under docs/, site_inputs/ and templates/ and reloads the
# browser; invalid inputs show their diagnostics here and on the page.  Only this machine can
# connect unless HOST=0.0.0.0.
serve: $(SERVE_STAMP)
	@scripts/ensure-system-deps serve
	$(BIN)/ibcm-runbook serve --docs $(DOCS) --host $(HOST) --port $(PORT)

check: $(BASE_STAMP)
	$(BIN)/ibcm-runbook check site_inputs

test: $(TEST_STAMP)
	@scripts/ensure-system-deps test
	$(BIN)/python -m pytest

# After an intended change to the generated output: rewrite the golden files, then review `git diff tests/golden`.
goldens: $(TEST_STAMP)
	UPDATE_GOLDENS=1 $(BIN)/python -m pytest -q tests/test_golden_outputs.py

lint: $(TEST_STAMP)
	$(BIN)/ruff check generator tests docs/conf.py
	$(BIN)/ruff format --check generator tests
	$(BIN)/mypy

# Publishing copies the existing build (it does not rebuild: you publish what you built and
# reviewed); it refuses builds that failed, did not finish or are older than site_inputs/.
KEEP ?= 5
ifneq ($(filter publish,$(MAKECMDGOALS)),)
ifeq ($(strip $(DEST)),)
$(error usage: make publish DEST=/srv/runbooks [KEEP=5] [PUBLISHOPTS=--rollback], after make html pdf)
endif
endif
publish: $(BASE_STAMP)
	$(BIN)/ibcm-runbook publish "$(DEST)" --build $(BUILD) --keep $(KEEP) $(PUBLISHOPTS)

# The benchmark of issue 16 (benchmarks/README.md): synthetic sites made from site_inputs/, built in a temporary
# copy of the project (never in docs/), one text table on stdout and $(BUILD)/bench/bench.json.  Targets are
# reported, never enforced.  BENCHOPTS="--repeat 3 --pdf-sites 2 --keep /tmp/bench" passes options on.
BENCH_SITES ?= 10 100
BENCHOPTS ?=
bench: $(BASE_STAMP)
	@scripts/ensure-system-deps pdf
	$(BIN)/python benchmarks/bench.py $(foreach n,$(BENCH_SITES),--sites $(n)) --json $(BUILD)/bench/bench.json $(BENCHOPTS)

clean:
	rm -rf $(BUILD) $(DOCS)/_generated
