# Simpul: the two commands of the quick start, and the tools around them.
#   make run    - set up .venv, migrate, load the demo city (and its probe history), serve http://127.0.0.1:8000
#                 (and the demo's websites on 127.0.0.x:8080/8443)
#   make test   - install what the tests need and run them all (SQLite, then PostgreSQL)
#   make bench  - run the benchmarks under bench/ and print their figures

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 3
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/simpul
# pytest-xdist workers for each pass (`make test TEST_WORKERS=auto` for one per core); each worker has
# its own test database (test_simpul_gw0, ...). worksteal hands a slow worker's tests to an idle one.
# 2 measured best on a 2-core machine: SQLite 184 s with 2 workers, 204 s with 3, 212 s with 4.
# Not loadfile/loadgroup: they schedule by node id, and Schemathesis gives its ~150 tests one id.
TEST_WORKERS ?= 2
PYTEST := $(VENV)/bin/pytest -q -n $(TEST_WORKERS) --dist worksteal

.PHONY: run serve system-deps print-deps icmp-sockets bench-probes bench-diagrams diagram-pictures test test-sqlite test-postgres query-counts lint format bench messages screenshots clean

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Simpul needs Python 3.11 or newer; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(VENV)/bin/python
	$(PIP) install -q -r requirements.txt
	@touch $@

$(VENV)/.test-deps: requirements.txt requirements-test.txt | $(VENV)/bin/python
	$(PIP) install -q -r requirements-test.txt
	@touch $@ $(VENV)/.run-deps

# The demo city's probes go to loopback only (its other addresses have probing off, and this is a
# second fence); `make serve` has no such limit. The consumer checks itself against 127.0.0.1.
run: export SIMPUL_PROBE_NETWORKS ?= 127.0.0.0/8,::1/128
run: export SIMPUL_PROBE_REFERENCE ?= 127.0.0.1
run: $(VENV)/.run-deps icmp-sockets print-deps
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py load_demo
	$(PY) manage.py probe demo-history
	@$(MAKE) --no-print-directory serve

# The web UI and API under gunicorn, with the task consumer (probe scheduler) beside it. When the demo
# city is loaded, the demo web server too (its OPD websites and public services on 127.0.0.x, HTTP 8080
# and HTTPS 8443: docs/operations.md), and the probes trust its CA (SIMPUL_HTTP_CA_FILE, unless set).
serve:
	@echo "Simpul is at http://$(HOST):$(PORT)/  (demo logins: see README.md; Ctrl-C stops)"
	@ca=$$($(PY) manage.py demo_websites --prepare) || exit 1; web=; \
	if [ -n "$$ca" ]; then \
		export SIMPUL_HTTP_CA_FILE="$${SIMPUL_HTTP_CA_FILE:-$$ca}"; \
		$(PY) manage.py demo_websites & web=$$!; \
	fi; \
	$(PY) manage.py run_huey --quiet & consumer=$$!; \
	trap 'kill $$consumer $$web 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn infra.wsgi -b $(HOST):$(PORT) -w $(WORKERS) --access-logfile - --log-level warning

# ICMP checks use unprivileged ICMP sockets (docs/probes.md): the process's group must be inside
# net.ipv4.ping_group_range (Debian's default "1 0" allows nobody). As root, widen it when the current
# group is outside (it is per network namespace, and not persistent: docs/probes.md says how to keep
# it); otherwise say how.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
icmp-sockets:
	@gid=$$(id -g); set -- $$(cat /proc/sys/net/ipv4/ping_group_range); \
	if [ "$$gid" -lt "$$1" ] || [ "$$gid" -gt "$$2" ]; then \
		if [ "$$(id -u)" = 0 ]; then sysctl -q -w net.ipv4.ping_group_range="0 2147483647"; \
		else echo "ICMP checks need group $$gid in net.ipv4.ping_group_range: sudo sysctl -w net.ipv4.ping_group_range='0 2147483647' (docs/probes.md)"; fi; \
	fi

# Debian packages the tests drive for real: Chromium (browser tests), fonts to render pages, snmpd
# (the SNMP tests start agents of their own on high ports; the system agent the package starts where
# systemd runs is stopped and disabled again, as nothing here uses it) and fping (bench/probes.py
# compares the ICMP engine with it), Pango for WeasyPrint (the availability report's PDF).
system-deps: icmp-sockets print-deps
	@command -v chromium >/dev/null 2>&1 && [ -d /usr/share/fonts/truetype/dejavu ] && [ -x /usr/sbin/snmpd ] \
		&& command -v fping >/dev/null 2>&1 || \
		($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium fonts-dejavu-core snmpd fping && \
		{ ! [ -d /run/systemd/system ] || $(SUDO) systemctl disable --now snmpd >/dev/null 2>&1 || true; })

# The availability report's PDF (WeasyPrint) needs Pango and a font: `make run` serves it, the tests
# read it back. The diagrams need graphviz (dot, neato, unflatten) and the same font, which it measures
# text with.
print-deps:
	@ls /usr/lib/*/libpango-1.0.so.0 /usr/lib/*/libpangoft2-1.0.so.0 >/dev/null 2>&1 \
		&& [ -d /usr/share/fonts/truetype/dejavu ] && command -v dot >/dev/null 2>&1 || \
		($(SUDO) apt-get update -q && \
		$(SUDO) apt-get install -y -q libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core graphviz)

test: $(VENV)/.test-deps system-deps lint test-sqlite test-postgres

# ruff, then the import contracts in pyproject.toml ([tool.importlinter]): which package may import which.
lint: $(VENV)/.test-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

test-sqlite: $(VENV)/.test-deps system-deps
	@echo "== Test suite on SQLite"
	$(PY) manage.py makemigrations --check --dry-run -v0
	$(PYTEST)

# On CI (CI=true) the PostgreSQL pass is mandatory; elsewhere it runs when a server answers.
test-postgres: $(VENV)/.test-deps system-deps
	@echo "== Test suite on PostgreSQL ($(PG_TEST_URL))"
	@if $(PY) scripts/pg_ready.py "$(PG_TEST_URL)"; then \
		DATABASE_URL="$(PG_TEST_URL)" $(PYTEST); \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL does not answer at $(PG_TEST_URL), and on CI the PostgreSQL pass is mandatory."; exit 1; \
	else \
		echo "PostgreSQL does not answer at $(PG_TEST_URL): PostgreSQL pass NOT run."; \
	fi

# After a deliberate change of queries: pin the counts measured now into tests/query_counts.json, on
# SQLite and on PostgreSQL (a figure differs per database only where they really disagree).
query-counts: $(VENV)/.test-deps
	$(PYTEST) -m query_counts --update-query-counts
	DATABASE_URL="$(PG_TEST_URL)" $(PYTEST) -m query_counts --update-query-counts

format: $(VENV)/.test-deps
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(VENV)/.test-deps bench-probes bench-diagrams
	$(PY) bench/import_devices.py
	$(PY) bench/web_pages.py
	$(PY) bench/api.py

# ICMP against fping, SNMP GETs per second, results written, stored and read on PostgreSQL, and the
# status page and an OPD's monthly report on 20,000 checks with a year of history.
bench-probes: $(VENV)/.test-deps system-deps
	$(PY) bench/probes.py

# Every diagram view on the demo city and on 500 sites / 20,000 devices / 1,000 fiber links, on PostgreSQL
# (databases simpul_bench_diagrams_*; BENCH_DIAGRAMS="--reuse" keeps them between runs).
PG_BENCH_URL ?= postgres://postgres@127.0.0.1:5432
bench-diagrams: $(VENV)/.test-deps print-deps
	@if $(PY) scripts/pg_ready.py "$(PG_BENCH_URL)/postgres"; then \
		$(PY) bench/diagrams.py --pg-url "$(PG_BENCH_URL)" $(BENCH_DIAGRAMS); \
	else \
		echo "PostgreSQL does not answer at $(PG_BENCH_URL): bench/diagrams.py NOT run."; \
	fi

# docs/diagrams.md's pictures (docs/screenshots/diagrams/), drawn from the demo city.
diagram-pictures: $(VENV)/.test-deps print-deps
	$(PY) scripts/diagram_pictures.py

screenshots: $(VENV)/.test-deps system-deps
	$(PY) scripts/screenshots.py

# Needs gettext (installed when missing): refreshes locale/id from the code, then compiles it.
messages: $(VENV)/.test-deps
	@command -v msgfmt >/dev/null || (apt-get update -q && apt-get install -y -q gettext)
	$(PY) manage.py makemessages -l id --no-obsolete --ignore=.venv --ignore=var --ignore=bench --ignore=tests
	$(PY) manage.py compilemessages -l id --ignore=.venv

clean:
	rm -rf var/ .pytest_cache .ruff_cache
