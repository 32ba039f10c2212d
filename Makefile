# Two commands a newcomer needs: `make check` (render every stack offline, policy pack attached)
# and `make test` (every test). Both create the virtualenv from the lock file when it is missing.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell sha256sum requirements.lock | cut -c1-16)
# Bytecode is cached (in the virtualenv, not beside the sources) even where the environment says
# PYTHONDONTWRITEBYTECODE: otherwise every Python process of check (the render, the analysis
# process, the pack), of the bench and of the suite compiles the project's modules again.
CACHED := env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=$(abspath $(VENV))/pycache

.PHONY: venv check test lint bench bench-peer lock clean

$(STAMP): requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

venv: $(STAMP)

# The second run is prod's very first deploy as its preview sees it: nothing created yet, so the
# pack defers what only the update can know ("verified at deploy") and must still pass.
check: $(STAMP)
	$(CACHED) $(PY) -m pipeline check
	$(CACHED) $(PY) -m pipeline check --first-deploy --stack prod

# One pytest worker per CPU (pytest-xdist): the suite is CPU-bound renders and pack processes.
# With the bytecode cache (CACHED) pytest does not rewrite its plugins again in each process either.
test: $(STAMP)
	$(CACHED) $(PY) -m pytest -n auto

lint: $(STAMP)
	$(PY) -m ruff check .

bench: $(STAMP)
	$(CACHED) $(PY) -m bench

# The same estates synthesised by AWS CDK + cdk-nag, side by side with check. Installs the peer from
# bench/peer/package-lock.json where node and npm exist; without them bench.peer says why and skips.
bench-peer: $(STAMP)
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
		npm ci --prefix bench/peer --no-audit --no-fund || echo "bench-peer: npm ci failed"; \
	fi
	$(PY) -m bench.peer

# Re-resolve both lock files after changing pyproject.toml (needs uv, installed by the dev extra).
lock: $(STAMP)
	$(VENV)/bin/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -o requirements.txt -q
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock -q

clean:
	rm -rf $(VENV) policies/venv reports
