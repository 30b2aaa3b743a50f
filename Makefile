# tenantfuzz: the two commands are `make run` (the isolation gate against the
# reference schema) and `make test` (all tests). Both start their own
# PostgreSQL from the local binaries.
GO      ?= go
BIN     := bin/tenantfuzz
PROFILE ?= quick

.PHONY: all run test lint build nightly mutants clean

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
