# Satchel's commands. A fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-test serve worker bench lint messages lock clean

run: install  ## install, migrate, seed the demo, run the site and a worker
	$(PY) manage.py migrate --no-input --verbosity 0
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --no-input --verbosity 0
	@echo "Satchel is serving on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python scripts/run_embedded.py

test: install-test  ## install what the tests need and run them
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install-test  ## run the benchmarks (bench/README.md)
	$(PY) bench/run.py $(BENCH_ARGS)

lint: install-test
	$(BIN)/ruff check .

messages: install-test  ## extract translations, derive zh_Hant, compile (needs GNU gettext)
	$(PY) manage.py makemessages --locale zh_Hans --locale zh_Hant --locale en \
		--ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*' --no-obsolete
	$(PY) manage.py makemessages --domain djangojs --locale zh_Hans --locale zh_Hant --locale en \
		--ignore '.venv/*' --ignore 'var/*' --ignore '*/vendor/*' --ignore 'static/*' --no-obsolete
	$(PY) scripts/hant_from_hans.py
	$(PY) manage.py compilemessages --ignore '.venv/*'

lock: install-test  ## re-resolve requirements/*.lock from pyproject.toml
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-header --no-emit-index-url --no-emit-find-links --output-file requirements/base.lock pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-header --no-emit-index-url --no-emit-find-links --extra test --output-file requirements/test.lock pyproject.toml

install: $(VENV)/.installed-base
install-test: $(VENV)/.installed-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamp files: reinstall only when a lock file changes, so a second `make run` is fast.
$(VENV)/.installed-base: requirements/base.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.lock
	@touch $@

$(VENV)/.installed-test: requirements/test.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/test.lock
	@touch $@ $(VENV)/.installed-base

clean:
	rm -rf $(VENV) var
