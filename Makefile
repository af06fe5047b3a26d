# One command per intent. Each installs what it needs first (venv, pinned requirements, ...).
.PHONY: run test lint bench
run:
	scripts/run.sh
test:
	scripts/test.sh
lint:
	scripts/lint.sh
bench:
	scripts/bench.sh
