# The course's two commands:  make site  (build the website)  and  make test  (run every test);
# make test-fast runs the tests not marked slow, in seconds.
# Each installs what a fresh machine lacks first.
PYTHON ?= python3
SETUP := .setup-stamp
# Console scripts live beside the interpreter; pyenv's shims may not know new ones yet.
BIN := $(shell $(PYTHON) -c 'import os, sys; print(os.path.dirname(sys.executable))')

.PHONY: site test test-fast setup system-packages

# Python and front-end dependencies, installed once per change of the files that pin them.
$(SETUP): pyproject.toml constraints.txt package.json package-lock.json tools/copy_site_assets.js
	$(PYTHON) -m pip install --quiet -c constraints.txt -e ".[all]"
	npm ci --no-audit --no-fund --loglevel=error
	touch $(SETUP)

setup: $(SETUP)

# Chromium (browser tests), bubblewrap (the grading sandbox) and Debian's own python3 with venv
# (tests/test_pythons.py installs the course in a venv of it) come from Debian.
system-packages:
	@command -v chromium >/dev/null && command -v bwrap >/dev/null && \
	  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && \
	  /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium bubblewrap postgresql python3 python3-venv)

site: $(SETUP)
	LOSSOPT_STATIC_FIGURES=1 $(BIN)/jupyter-book build . --warningiserror --keep-going
	$(PYTHON) tools/release_for_site.py _build/html/problem-sets
	$(PYTHON) -m build --wheel --no-isolation --outdir _build/html/problem-sets . >/dev/null
	$(PYTHON) tools/page_weights.py _build/html

test: $(SETUP) system-packages site
	$(PYTHON) -m pytest

# The tests that need no book, browser, kernel or graded batch: seconds, for every edit.
test-fast: $(SETUP)
	$(PYTHON) -m pytest -m "not slow" -q
