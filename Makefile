# The course's two commands:  make site  (build the website)  and  make test  (run every test);
# make test-fast runs the tests not marked slow, in seconds.
# Each installs what a fresh machine lacks first.
PYTHON ?= python3
SETUP := .setup-stamp
# Console scripts live beside the interpreter; pyenv's shims may not know new ones yet.
BIN := $(shell $(PYTHON) -c 'import os, sys; print(os.path.dirname(sys.executable))')

.PHONY: site test test-fast setup system-packages catalogs

# Python and front-end dependencies, installed once per change of the files that pin them.
$(SETUP): pyproject.toml constraints.txt package.json package-lock.json tools/copy_site_assets.js
	$(PYTHON) -m pip install --quiet -c constraints.txt -e ".[all]"
	npm ci --no-audit --no-fund --loglevel=error
	touch $(SETUP)

setup: $(SETUP)

# Chromium (browser tests), bubblewrap (the grading sandbox), Debian's own python3 with venv
# (tests/test_pythons.py installs the course in a venv of it), PostgreSQL (the cluster tests'
# gradebook) and the Noto CJK fonts (Hangul in the Korean edition's figures, lossopt/i18n.py)
# come from Debian.
system-packages:
	@command -v chromium >/dev/null && command -v bwrap >/dev/null && \
	  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && \
	  /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null && \
	  fc-list 'Noto Sans CJK KR' | grep -q . || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium bubblewrap postgresql python3 python3-venv fonts-noto-cjk)

# The English edition in _build/html, the Korean one in _build/html/ko (tools/build_edition.py:
# the same book with Sphinx's language set to ko, its own execution cache in _build/ko).
site: $(SETUP) system-packages
	LOSSOPT_STATIC_FIGURES=1 $(BIN)/jupyter-book build . --warningiserror --keep-going
	LOSSOPT_STATIC_FIGURES=1 $(PYTHON) tools/build_edition.py ko
	$(PYTHON) tools/release_for_site.py _build/html/problem-sets
	$(PYTHON) -m build --wheel --no-isolation --outdir _build/html/problem-sets . >/dev/null
	# a Korean chapter's ../problem-sets/ link: the Korean sets (problem-sets/ko/) and the wheel
	rm -rf _build/html/ko/problem-sets && mkdir -p _build/html/ko/problem-sets
	cp _build/html/problem-sets/ko/*.ipynb _build/html/problem-sets/*.whl _build/html/ko/problem-sets/
	$(PYTHON) tools/page_weights.py _build/html

# For translators: extract the book's messages and merge them into locales/ko/LC_MESSAGES/
# (new messages empty, changed ones fuzzy); see locales/README.md.
catalogs: $(SETUP)
	LOSSOPT_STATIC_FIGURES=1 $(BIN)/jupyter-book build . --builder custom --custom-builder gettext
	$(BIN)/sphinx-intl update -p _build/gettext -d locales -l ko
	$(PYTHON) tools/clean_catalogs.py locales/ko

test: $(SETUP) system-packages site
	$(PYTHON) -m pytest

# The tests that need no book, browser, kernel or graded batch: seconds, for every edit.
test-fast: $(SETUP)
	$(PYTHON) -m pytest -m "not slow" -q
