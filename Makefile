# The two commands of the README are `make run` and `make test`; everything
# else here is what they need. Nothing must be set up by hand beforehand.
SHELL := /bin/sh
PYTHON := $(shell scripts/find-python.sh)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test venv messages lock check-python clean run-prod

check-python:
	@test -n "$(PYTHON)" || { scripts/find-python.sh; exit 1; }

$(STAMP): requirements.lock pyproject.toml | check-python
	@test -x $(PY) || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@touch $(STAMP)

venv: $(STAMP)

messages: $(STAMP)
	@cd gongzhi && ../$(PY) ../manage.py compilemessages --verbosity 0

## make run: set up, migrate, load demo data and serve on http://127.0.0.1:8000
run: messages
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

## make run-prod: the production stack here (gunicorn, worker, scheduler; local PostgreSQL and Redis)
run-prod: messages
	deploy/run-prod.sh

## make test: the whole suite (SQLite by default; PostgreSQL when DATABASE_URL says so)
test: messages
	$(PY) -m pytest $(PYTEST_ARGS)

## make lock: re-resolve requirements.lock from pyproject.toml (needs the network)
lock: $(STAMP)
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.12 --universal -o requirements.lock

clean:
	rm -rf $(VENV) var/test
