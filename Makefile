VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: all install lint test ci serve bench

all: lint test

$(PY):
	python3 -m venv $(VENV)

install: $(PY)
	$(PY) -m pip install -q -e '.[test]'

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
