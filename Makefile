# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
SAMPLES := samples/health-forum-sample.mbox.gz
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install run sample test lint browser-deps

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

sample: install
	$(BIN)/flask --app forum db upgrade
	$(BIN)/flask --app forum import $(SAMPLES) --group misc.health.sample

run: sample
	$(BIN)/flask --app forum run --host $(HOST) --port $(PORT)

# Browser tests need Debian's chromium; install it when we may (root), else they skip.
browser-deps:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium chromium-driver >/dev/null) ; } || echo "chromium not installed: browser tests will be skipped"

test: install browser-deps
	$(BIN)/pytest -rs -q

lint: install
	$(BIN)/ruff check .
