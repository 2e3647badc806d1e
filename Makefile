# Commands of the project. Odoo 19 must be importable from $(PYTHON).
PYTHON ?= python3
DEMO_DB ?= sop_demo
PORT ?= 8069
ADDONS := $(CURDIR)
# Checks Odoo 19, installs the Python packages of the files given, starts
# PostgreSQL and creates the user's role when missing (.ci/run runs make test).
SETUP = PYTHON=$(PYTHON) tools/setup_env.sh

.PHONY: test test-engine test-odoo demo lint bench

## Run every test: engine (pytest) and Odoo (fresh database); one summary line.
test:
	@$(SETUP) requirements-test.txt
	$(PYTHON) tools/run_tests.py

test-engine:
	$(PYTHON) tools/run_tests.py --engine-only

test-odoo:
	@$(SETUP) requirements-test.txt
	$(PYTHON) tools/run_tests.py --odoo-only

## Create a demo database with the add-on and serve it on 127.0.0.1:$(PORT) (admin / admin),
## with queue_job's job runner (channels in tools/odoo_demo.conf).
demo:
	@$(SETUP) requirements.txt
	@if psql -lqt | cut -d '|' -f 1 | grep -qw $(DEMO_DB); then \
		$(PYTHON) -m odoo -d $(DEMO_DB) --addons-path=$(ADDONS) -u sop_planning,sop_planning_dashboard \
			--stop-after-init --http-interface=127.0.0.1; \
	else \
		$(PYTHON) -m odoo -d $(DEMO_DB) --addons-path=$(ADDONS) -i sop_planning,sop_planning_dashboard \
			--with-demo --stop-after-init --http-interface=127.0.0.1 && \
		{ [ "$$(psql -d $(DEMO_DB) -tAc 'select count(*) from sop_cycle')" != 0 ] || \
			{ echo "the S&OP demo data failed to install: see the log above"; exit 1; }; }; \
	fi
	$(PYTHON) -m odoo -c tools/odoo_demo.conf -d $(DEMO_DB) --addons-path=$(ADDONS) \
		--load=base,rpc,web,queue_job --http-interface=127.0.0.1 --http-port=$(PORT)

## Linters (pinned in requirements-dev.txt; .pre-commit-config.yaml runs the same).
lint:
	@$(PYTHON) -c "import ruff, pylint_odoo" 2>/dev/null || { \
		echo "make lint needs the linters: $(PYTHON) -m pip install -r requirements-dev.txt"; \
		exit 2; }
	$(PYTHON) -m ruff check sop_planning sop_planning_dashboard tests bench tools
	$(PYTHON) -m ruff format --check sop_planning sop_planning_dashboard tests bench tools
	$(PYTHON) -m pylint --load-plugins=pylint_odoo --rcfile=.pylintrc sop_planning sop_planning_dashboard
	$(PYTHON) tools/gen_addon_readme.py --check sop_planning sop_planning_dashboard

## Every benchmark but bench_dashboard.py, which times a database given with -d.
bench:
	@$(SETUP) requirements-bench.txt
	for f in bench/bench_*.py; do [ $$f = bench/bench_dashboard.py ] && continue; $(PYTHON) $$f || exit 1; done
