# Two commands for a newcomer: `make run` (set up, then serve the app on http://localhost:8501)
# and `make test` (set up, then run every test, browser tests included).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test setup browser validate bench load clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

setup: $(VENV)/.installed

run: setup
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.address localhost

# Browser tests drive Debian's Chromium; install it when missing (root on Debian/Ubuntu).
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji)

test: setup browser
	$(PY) -m pytest

validate: setup
	$(PY) -m evidence validate

bench: setup browser
	$(PY) bench/run.py

load: setup browser
	$(PY) bench/load.py

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
