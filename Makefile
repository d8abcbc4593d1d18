# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
# sci.med of the 20 Newsgroups collection (Usenet, 1993; samples/SOURCES.md).
SAMPLES := samples/usenet-20news-sci.med-1993.tar.xz
# The project's seed documents: a 2000 Usenet thread (a Google Groups text copy)
# and four web articles (text copies); the thread and the articles get their own groups.
SEED_THREAD   := samples/usenet-2000-magnesium-fibromyalgia-thread.txt
SEED_ARTICLES := $(sort $(wildcard samples/article-*.txt))
# The demo's moderation of the seeds (labels, verdicts, rationales, citations)
# and the confirmed details of the papers it cites (CSL-JSON).
DEMO_EVIDENCE  := samples/demo-evidence.json
DEMO_CITATIONS := samples/demo-citations.json
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install run sample test lint browser-deps search-deps axe-deps news-deps crash-test

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

sample: install
	$(BIN)/flask --app forum db upgrade
	$(BIN)/flask --app forum import $(SAMPLES) --group sci.med
	$(BIN)/flask --app forum import $(SEED_THREAD) --format google-groups \
	  --group alt.support.fibromyalgia
	$(BIN)/flask --app forum import $(SEED_ARTICLES) --format article \
	  --group articles.magnesium
	$(BIN)/flask --app forum citations load $(DEMO_CITATIONS)
	$(BIN)/flask --app forum evidence load $(DEMO_EVIDENCE)

run: sample
	@echo "Start with the 2000 thread: http://$(HOST):$(PORT)/g/alt.support.fibromyalgia/"
	@echo "To moderate: $(BIN)/flask --app forum users create NAME --role admin, then /login"
	$(BIN)/flask --app forum run --host $(HOST) --port $(PORT)

# Browser tests need Debian's chromium; install it when we may (root), else they skip.
browser-deps:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium chromium-driver >/dev/null) ; } || echo "chromium not installed: browser tests will be skipped"

# axe-core (package.json) for the accessibility test, with npm when there is one.
axe-deps: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	@{ command -v npm >/dev/null && npm ci --no-audit --no-fund --silent && touch $@ ; } \
	  || echo "axe-core not installed (no npm, or npm ci failed): the accessibility test will be skipped"

# PostgreSQL's RUM index (Debian's postgresql-15-rum) ranks inside the index; the
# postgres search backend falls back to GIN without it.
search-deps:
	@if command -v pg_config >/dev/null || ls /usr/lib/postgresql/*/bin >/dev/null 2>&1; then \
	  v=$$(ls /usr/lib/postgresql | sort -n | tail -1); \
	  test -e /usr/share/postgresql/$$v/extension/rum.control || { [ "$$(id -u)" = 0 ] \
	    && command -v apt-get >/dev/null && (apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-$$v-rum \
	    >/dev/null) ; } || echo "postgresql-$$v-rum not installed: PostgreSQL search uses GIN"; \
	fi

# Debian's inn2 for the NNTP pull tests (tests/newsserver.py runs a throwaway innd).
# Its postinst fails where the host name does not resolve to a domain: give
# inn.conf a domain and pathhost, then configure it again.
news-deps:
	@{ test -x /usr/lib/news/bin/innd && command -v slrnpull >/dev/null; } || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	       inn2 slrnpull suck tin >/dev/null 2>&1; \
	       f=/etc/news/inn.conf; test -f $$f && { grep -q '^domain:' $$f \
	         || echo 'domain: localdomain' >> $$f; grep -q '^pathhost:' $$f \
	         || echo 'pathhost: news.localdomain' >> $$f; \
	         DEBIAN_FRONTEND=noninteractive dpkg --configure inn2 >/dev/null 2>&1; }; \
	       test -x /usr/lib/news/bin/innd; } ; } \
	  || echo "inn2 or slrnpull not installed: the NNTP pull or news reader tests will be skipped"

test: install browser-deps search-deps axe-deps news-deps
	$(BIN)/pytest -rs -q -n 2 --dist worksteal --durations=15

# The crash test over all twenty 20news tarballs, on SQLite and PostgreSQL.
crash-test: install
	FORUM_CRASH_FULL=1 $(BIN)/pytest -q -s -p no:cacheprovider tests/importers/test_crash_safety.py

# Ctrl-C pressed once or twice at 40 drawn moments of an import, per database.
.PHONY: interrupt-test
interrupt-test: install
	FORUM_INTERRUPTS=40 $(BIN)/pytest -q -n 2 -p no:cacheprovider \
	  tests/importers/test_interrupts.py -k any_moment

# Importer fuzzing, the long profile: 2000 examples per parser test (200 through
# the import runner); FORUM_FUZZ_EXAMPLES=N sets another budget.
.PHONY: fuzz
fuzz: install
	FORUM_FUZZ=long $(BIN)/pytest -q -n 2 -p no:cacheprovider tests/importers/test_fuzz.py

# The JSON API fuzzed for longer (schemathesis): the CI test with a larger budget,
# then schemathesis's CLI against gunicorn over the same seeded archive.
API_FUZZ_EXAMPLES ?= 500
.PHONY: fuzz-api
fuzz-api: install
	API_FUZZ_EXAMPLES=$(API_FUZZ_EXAMPLES) $(BIN)/pytest -q -s -p no:cacheprovider \
	  tests/web/test_api_fuzz.py -k answers_as_described
	$(BIN)/python bench/api_fuzz.py --examples $(API_FUZZ_EXAMPLES)

# mypy over forum, importers and incoming, strict where pyproject.toml says.
.PHONY: typecheck
typecheck: install
	$(BIN)/mypy --cache-dir=/dev/null

# ruff, the type checker and the architecture rules (ARCHITECTURE.md): the
# habits .pre-commit-config.yaml runs before each commit.
lint: install typecheck
	$(BIN)/ruff check .
	$(BIN)/pytest -q -p no:cacheprovider tests/test_architecture.py tests/test_architecture_map.py
