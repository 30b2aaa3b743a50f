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
	$(GO) test -race -count=1 -timeout 30m ./...

lint:
	@test -z "$$(gofmt -l .)" || (echo "gofmt needed:"; gofmt -l .; exit 1)
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# staticcheck is pinned in go.mod as a tool (honnef.co/go/tools v0.8.2;
# configuration in staticcheck.conf) and runs in lint, so in .ci/run. Cold
# (a clean clone: staticcheck downloaded and built, every package analysed)
# it cost 226 CPU-seconds here, about 2 minutes on 2 idle cores; 9 s warm
# (docs/layout.md).
staticcheck:
	$(GO) tool staticcheck ./...

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
