# egov — every target bootstraps what it needs on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test lint typecheck bench bench-tools install browser ocr clean messages openapi arrows lock audit sbom licences cluster cluster-stop cluster-test cluster-load cluster-tools gateway-tools

# Installed from the lock only (uv.lock, with every file's SHA-256): `uv sync --locked` fails
# when the lock and pyproject.toml disagree. uv itself is installed by hash. --inexact keeps the
# installers (pip, uv) that the lock does not list. `make lock` updates the lock.
$(VENV)/.installed: pyproject.toml uv.lock tools/uv-requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r tools/uv-requirements.txt
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(VENV)/bin/uv sync --quiet --locked --inexact --extra dev --python $(PY)
	touch $@

install: $(VENV)/.installed

# The one command that updates the lock: every dependency to the newest version pyproject.toml
# allows (then `make test`, and commit uv.lock). After editing pyproject.toml, `uv lock` alone.
lock:
	test -x $(VENV)/bin/uv || { $(PYTHON) -m venv $(VENV) && $(PY) -m pip install --quiet --require-hashes --no-deps -r tools/uv-requirements.txt; }
	$(VENV)/bin/uv lock --upgrade

# Debian's chromium for the browser tests, and axe-core from npm for the accessibility check.
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }
	@test -f node_modules/axe-core/axe.min.js || npm install --no-audit --no-fund --silent

# Debian's OCRmyPDF with Tesseract's Vietnamese model and Ghostscript: scans digitised at the
# counter are read and made searchable PDF/A (docs/repository.md, "Reading scans").
ocr:
	@command -v ocrmypdf >/dev/null && test -f /usr/share/tesseract-ocr/5/tessdata/vie.traineddata || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    ocrmypdf tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd ghostscript >/dev/null; }

# Serve the platform on SQLite with demo data at http://127.0.0.1:$(PORT). The task worker is
# started again whenever it stops (a crash, kill -9); the tasks it left unfinished are taken up
# again once their lease expires (docs/operations.md). No autoreload: the loop watches the worker.
# The platform calls itself (identity through its gateway) at its own address, on PORT.
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: install
	mkdir -p var
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --no-input -v0
	DEBUG=$${DEBUG:-1} $(PY) manage.py rotate_oidc_key --if-missing
	DEBUG=$${DEBUG:-1} $(PY) manage.py load_demo
	DEBUG=$${DEBUG:-1} $(PY) manage.py load_population
	DEBUG=$${DEBUG:-1} $(PY) manage.py load_businesses
	DEBUG=$${DEBUG:-1} $(PY) manage.py load_gateway
	DEBUG=$${DEBUG:-1} $(PY) manage.py open_reporting_periods --schedule
	DEBUG=$${DEBUG:-1} $(PY) manage.py setup_pki
	( trap 'kill $$child 2>/dev/null; wait $$child; exit 0' TERM; \
	  while :; do \
	    DEBUG=$${DEBUG:-1} $(PY) manage.py db_worker --no-reload & child=$$!; wait $$child; \
	    echo "db_worker stopped (exit $$?); starting it again in 2 s" >&2; sleep 2; \
	  done ) & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=$${DEBUG:-1} $(VENV)/bin/uvicorn egov.config.asgi:application --host 127.0.0.1 --port $(PORT) --no-proxy-headers

lint: install
	$(VENV)/bin/ruff check src tests bench tools
	$(VENV)/bin/ruff format --check src tests bench tools
	PYTHONPATH=src $(VENV)/bin/lint-imports

typecheck: install
	$(VENV)/bin/mypy src

test: install browser ocr gateway-tools lint typecheck
	$(PY) -m pytest -q -n 2 --dist loadgroup --ds=tests.settings

# The import graph between the parts: arrows with counts, cycles, foreign keys (docs/architecture.md).
arrows: install
	$(PY) tools/arrows.py --models

# Supply chain (docs/operations.md, "Dependencies"): known vulnerabilities of the locked set,
# licences compatible with AGPL-3.0-or-later, and the CycloneDX SBOM of the release in dist/.
audit: install
	$(PY) tools/supply_chain.py audit

licences: install
	$(PY) tools/supply_chain.py licences

sbom: install
	$(PY) tools/supply_chain.py sbom --output dist/egov.cdx.json

# Debian's nginx with its Lua module: the gateway's data plane (docs/gateway.md, "The data plane
# in nginx"), tested by tests/gateway/test_dataplane.py.
gateway-tools:
	@test -f /usr/lib/nginx/modules/ngx_http_lua_module.so && test -n "$$(find /usr/lib -path '*lua/5.1/cjson.so' -print -quit)" || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx libnginx-mod-http-lua lua-cjson >/dev/null; }

# Debian's nginx and wrk for the gateway benchmark (bench/gateway.py: nginx is the upstream and
# the reverse proxy the gateway is compared with, wrk the load).
bench-tools:
	@{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null && command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx-light wrk >/dev/null; }

# Debian's nginx (the load balancer) and PostgreSQL's programs for `make cluster`.
cluster-tools:
	@{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null && ls /usr/lib/postgresql/*/bin/pg_basebackup >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx-light postgresql >/dev/null; }

# egov as it is deployed past one machine, on this one (docs/operations.md, "Cluster on one
# machine"): a PostgreSQL primary and a streaming replica, two app nodes, two task workers and
# nginx balancing the nodes on PORT, under var/cluster. Starts what is not running.
cluster: install cluster-tools
	PORT=$(PORT) $(PY) tools/cluster.py start

cluster-stop:
	PORT=$(PORT) $(PY) tools/cluster.py stop

# Submissions from concurrent clients while an app node and a worker are killed (SIGKILL).
cluster-test: cluster
	PORT=$(PORT) $(PY) tools/cluster_test.py

# Citizens and officials at rising concurrency: where the p95 of page reads crosses 500 ms.
cluster-load: cluster
	PORT=$(PORT) $(PY) tools/cluster_load.py

bench: install bench-tools gateway-tools ocr
	$(PY) bench/run.py
	PORT=$(PORT) $(PY) tools/cluster_load.py --if-running

# Refresh the translation catalogues (needs GNU gettext); the compiled .mo files are committed.
messages: install
	cd src/egov && DEBUG=1 ../../$(PY) ../../manage.py makemessages -l vi --no-obsolete --no-location
	cd src/egov && DEBUG=1 ../../$(PY) ../../manage.py compilemessages -l vi

clean:
	rm -rf $(VENV) var node_modules

# The committed API contract; tests/test_openapi.py fails when it drifts from the code.
openapi: install
	DEBUG=1 $(PY) manage.py export_openapi_schema --api egov.config.api.api --indent 2 --sorted --output docs/openapi.json
