# The two commands of the README are `make run` and `make test`; everything
# else here is what they need. Nothing must be set up by hand beforehand.
SHELL := /bin/sh
PYTHON := $(shell scripts/find-python.sh)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Two workers for two cores. Plain load scheduling keeps pytest-django's order on each
# worker (transactional tests, which empty the database, after all the others).
PYTEST_ARGS ?= -n 2

.PHONY: run test venv messages lock check-python clean run-prod assets chromium

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
run: messages assets
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

## make run-prod: the production stack here (gunicorn, worker, scheduler; local PostgreSQL and Redis)
run-prod: messages assets
	deploy/run-prod.sh

## make test: the whole suite (SQLite by default; PostgreSQL when DATABASE_URL says so)
test: messages assets chromium
	$(PY) -m pytest $(PYTEST_ARGS)

## make lock: re-resolve requirements.lock from pyproject.toml (needs the network)
lock: $(STAMP)
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.12 --universal -o requirements.lock

clean:
	rm -rf $(VENV) var/test

## make assets: front-end libraries (package-lock.json) from the npm registry into node_modules/,
## served as static files under vendor/ (settings.STATICFILES_DIRS); nothing is fetched at run time
ASSETS_STAMP := node_modules/.installed
$(ASSETS_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $(ASSETS_STAMP)

assets: $(ASSETS_STAMP)

## make chromium: Debian's Chromium and a Chinese font for the browser tests (Playwright drives /usr/bin/chromium)
chromium:
	@if [ -x /usr/bin/chromium ] && fc-list :lang=zh 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ]; then echo "Installing Chromium and a Chinese font with apt (browser tests)"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-wqy-microhei >/dev/null; \
	else echo "The browser tests need Debian's Chromium at /usr/bin/chromium and a Chinese font: run 'sudo apt-get install chromium fonts-wqy-microhei' (or 'make chromium' as root)." >&2; exit 1; fi
