# The two fresh-machine entry points: `make run` (the main job) and `make test`.
.PHONY: run test deps mnist bench

deps:
	@bash scripts/install-deps.sh

run: deps
	swift run visualize

test: deps
	swift test

mnist:
	bash scripts/get-mnist.sh data/mnist

bench: deps
	swift run -c release ibp-bench
