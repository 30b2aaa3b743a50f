# tenantfuzz: the two commands are `make run` (the isolation gate against the
# reference schema) and `make test` (all tests). Both start their own
# PostgreSQL from the local binaries.
GO      ?= go
BIN     := bin/tenantfuzz
PROFILE ?= quick

.PHONY: all run test lint staticcheck build nightly mutants clean

all: lint test

build:
	$(GO) build -o $(BIN) ./cmd/tenantfuzz

run: build
	./$(BIN) run --profile $(PROFILE)

test:
	$(GO) test -race -count=1 -timeout 20m ./...

lint:
	@test -z "$$(gofmt -l .)" || (echo "gofmt needed:"; gofmt -l .; exit 1)
	$(GO) vet ./...

# staticcheck runs honnef.co/go/tools at a pinned version (configuration in
# staticcheck.conf). Kept out of lint and test: a cold run takes minutes on
# a small machine.
STATICCHECK_VERSION ?= v0.8.2
staticcheck:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

# bench measures the harness against pgbench on the same server (six rows,
# ratios of interleaved rounds) and writes tenantfuzz-report/bench.json;
# then the parallel gate's checks/s at 1, 2 and N workers.
.PHONY: bench
bench: build
	./$(BIN) bench $(BENCHFLAGS)
	./$(BIN) bench-parallel

nightly: build
	./$(BIN) run --profile nightly

mutants: build
	./$(BIN) mutants

clean:
	rm -rf bin tenantfuzz-report
