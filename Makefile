# Two commands do all set-up on a fresh machine:
#   make run   - virtualenv, install, translations, migrations, demo data, serve on :5000
#   make test  - ruff and mypy, then the whole test suite (SQLite, or PostgreSQL when
#                TEST_DATABASE_URL is set)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed

.PHONY: run test lint install translations messages migrate demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

translations: install
	$(BIN)/pybabel compile -d translations --statistics

# Refresh the catalogues after changing texts: extract, then update every language
# (every folder of translations/, easy Swedish's sv@ll too). `# Translators:` comments
# (`{# Translators: ... #}` in templates) go to the translators with the text.
# (tests/web/test_i18n.py extracts with the same options and names any text missing.)
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_pgettext:1c,2 --add-comments=Translators: --ignore-dirs '.*' --sort-by-file -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-wrap

migrate: install
	$(FLASK) db upgrade

demo: migrate translations
	$(FLASK) demo load --if-empty

run: demo
	@echo "Serving on http://127.0.0.1:5000 (Ctrl-C stops)."
	$(FLASK) run --host 127.0.0.1 --port 5000

# Seconds, so first: ruff's short rule list and mypy (both set in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/allocation.py

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis .mypy_cache .ruff_cache
