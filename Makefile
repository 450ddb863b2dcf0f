# The two commands: `make run` (set up, train if needed, chat in the terminal) and `make test`.
SHELL := /bin/bash
# The first Python 3.10 that actually runs (a pyenv shim may exist without a 3.10 behind it).
PYTHON ?= $(shell for p in python3.10 $(HOME)/.pyenv/versions/3.10*/bin/python /usr/bin/python3.10; do \
	$$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null && { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint venv train browser clean

run: $(STAMP)
	$(BIN)/hotline run

test: $(STAMP) browser
	$(BIN)/hotline train
	$(MAKE) lint
	$(BIN)/rasa data validate --domain bot/domain --data data --config config.yml
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff format --check bot actions tests bench
	$(BIN)/ruff check bot actions tests bench
	$(BIN)/mypy bot actions

venv: $(STAMP)

# The console's browser test needs Chromium and its driver; the service report's PDF needs Chromium, a Chinese font
# (fonts-noto-cjk) and pdftotext (poppler-utils) to check it. Installed
# with apt-get only when we are root. Without them those tests skip (fail under HOTLINE_REQUIRE_SERVICES=1) and say why.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v pdftotext >/dev/null \
		&& [ -n "$$(fc-list :lang=zh 2>/dev/null)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver \
			fonts-noto-cjk poppler-utils; \
	else echo "chromium/chromedriver/fonts-noto-cjk/poppler-utils missing: the browser and PDF tests will skip" \
		"(apt-get install chromium chromium-driver fonts-noto-cjk poppler-utils)"; fi

train: $(STAMP)
	$(BIN)/hotline train

# The virtual environment is rebuilt whenever the pinned requirements change.
$(STAMP): requirements.txt requirements.lock pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.10 not found: install it or run 'make PYTHON=/path/to/python3.10'"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' || { echo "$(PYTHON) is not Python 3.10 (Rasa 3.6 needs 3.10)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip==26.1.2 setuptools==70.3.0 wheel==0.45.1
	$(BIN)/python -m pip install --quiet -r requirements.txt -c requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

clean:
	rm -rf $(VENV) models var .pytest_cache .mypy_cache .ruff_cache
