VENV ?= .venv
PY := $(VENV)/bin/python

# Present once the package and its test tools are installed, and newer than pyproject.toml: the
# README's install command (which .ci/run runs first) satisfies it, so CI does not install twice.
INSTALLED := $(VENV)/bin/ruff

.PHONY: all install lint test ci serve bench screenshots

all: lint test

$(PY):
	python3 -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: $(INSTALLED)

lint: install
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy

test: install
	$(PY) -m pytest

ci:
	.ci/run

serve: $(PY)
	$(PY) -m pip install -q -e .
	$(VENV)/bin/readtoearn serve

# The console's pictures in docs/operator.md, taken by the browser tests as they run.
screenshots: install
	READTOEARN_SCREENSHOTS_DIR=docs/images $(PY) -m pytest -q -m browser -p no:randomly \
		$(sort $(wildcard tests/browser/test_console*_browser.py))
