# Merchant onboarding engine. `make run` starts the whole stack; `make test` runs every test.
# Tools are installed into ./bin through the Go module proxy, once.

SHELL := /bin/bash
.DEFAULT_GOAL := help

BIN          := $(CURDIR)/bin
TEMPORAL     := $(BIN)/temporal
WORKFLOWCHECK:= $(BIN)/workflowcheck
STATICCHECK  := $(BIN)/staticcheck
GOVULNCHECK  := $(BIN)/govulncheck
TEMPORAL_CLI_VERSION  := v1.5.1
WORKFLOWCHECK_VERSION := v0.6.0
STATICCHECK_VERSION   := v0.8.2
GOVULNCHECK_VERSION   := v1.9.0
# The cluster profile (make run-cluster): the server and UI inside that CLI, built on their own.
# Keep in step with internal/stackrun (ServerVersion, UIVersion) and docker-compose.temporal.yml
# (a test checks all three).
TEMPORAL_SERVER_VERSION := v1.29.1
TEMPORAL_UI_VERSION     := v2.42.1
TEMPORAL_SERVER   := $(BIN)/temporal-server
TEMPORAL_SQL_TOOL := $(BIN)/temporal-sql-tool
TEMPORAL_UI       := $(BIN)/temporal-ui-server
COMPOSE      ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
COMPOSE_FILE := docker-compose.temporal.yml
GO_TEST_FLAGS ?= -count=1 -timeout 15m

.PHONY: help
help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

.PHONY: tools
tools: $(TEMPORAL) $(WORKFLOWCHECK) ## install the Temporal CLI and workflowcheck into ./bin (skipped when present; make lint installs its other linters)

$(TEMPORAL):
	@echo "installing Temporal CLI $(TEMPORAL_CLI_VERSION) into bin/ (a few minutes the first time)"
	GOBIN=$(BIN) go install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)

$(WORKFLOWCHECK):
	GOBIN=$(BIN) go install go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION)

$(STATICCHECK):
	GOBIN=$(BIN) go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(GOVULNCHECK):
	GOBIN=$(BIN) go install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)

# go install names a binary after its package directory (server, sql), so each is installed
# into a directory of its own and renamed.
.PHONY: cluster-tools
cluster-tools: $(TEMPORAL_SERVER) $(TEMPORAL_SQL_TOOL) ## install Temporal Server and its SQL schema tool into ./bin (skipped when present)

$(TEMPORAL_SERVER):
	@echo "installing Temporal Server $(TEMPORAL_SERVER_VERSION) into bin/ (a few minutes the first time)"
	GOBIN=$(BIN)/.install-server go install go.temporal.io/server/cmd/server@$(TEMPORAL_SERVER_VERSION)
	mv $(BIN)/.install-server/server $@ && rmdir $(BIN)/.install-server

$(TEMPORAL_SQL_TOOL):
	GOBIN=$(BIN)/.install-sql go install go.temporal.io/server/cmd/tools/sql@$(TEMPORAL_SERVER_VERSION)
	mv $(BIN)/.install-sql/sql $@ && rmdir $(BIN)/.install-sql

$(TEMPORAL_UI):
	@echo "installing the Temporal UI server $(TEMPORAL_UI_VERSION) into bin/"
	GOBIN=$(BIN)/.install-ui go install github.com/temporalio/ui-server/v2/cmd/server@$(TEMPORAL_UI_VERSION)
	mv $(BIN)/.install-ui/server $@ && rmdir $(BIN)/.install-ui

.PHONY: build
build: ## build worker, gateway, starter and sandbox into ./bin
	go build -o $(BIN)/ ./worker ./gateway ./starter ./sandbox

.PHONY: run
run: $(TEMPORAL) build ## the whole stack on loopback: Temporal dev server + UI, sandbox, worker, gateway
	scripts/run-stack.sh

.PHONY: run-cluster
run-cluster: $(TEMPORAL_SERVER) $(TEMPORAL_SQL_TOOL) $(TEMPORAL_UI) build ## the cluster profile: Temporal Server on PostgreSQL + UI, two workers, two gateways, sandbox
	go build -o $(BIN)/run-cluster ./cluster
	$(BIN)/run-cluster -bin $(BIN)

# Each request body's decoder is fuzzed briefly after the tests (FUZZ_TIME=0 skips it; the
# seed corpus in internal/gateway/testdata/fuzz also runs as plain tests). A count, not a
# duration: on a loaded machine a timed run can end with a spurious "context deadline
# exceeded" failure when the time is up while a worker is busy.
FUZZ_TIME    ?= 20000x
FUZZ_TARGETS := FuzzStartBody FuzzDecisionBody FuzzDeadlineBody

# Every package runs with -race (it needs cgo: a C compiler, gcc on Debian) except the four
# that run the stack on a dev server or cluster of their own: console, upgrade and stackrun
# start binaries built without it, and e2e is the longest package. STACK_TEST_FLAGS=-race
# runs them with it too (e2e's worker and gateway run inside its test binary).
STACK_PKGS := e2e upgrade console internal/stackrun
STACK_TEST_FLAGS ?=
UNIT_PKGS   = $(filter-out $(addprefix $(shell go list -m)/,$(STACK_PKGS)),$(shell go list ./...))

.PHONY: test
test: $(TEMPORAL) $(TEMPORAL_SERVER) $(TEMPORAL_SQL_TOOL) ## every test, end-to-end ones included (they start their own dev server; one a cluster on PostgreSQL), unit packages with -race, then a short fuzz run
	@command -v "$$(go env CC)" >/dev/null || { echo "go test -race needs a C compiler ($$(go env CC)): apt-get install -y gcc"; exit 1; }
	CGO_ENABLED=1 go test $(GO_TEST_FLAGS) -race $(UNIT_PKGS)
	go test $(GO_TEST_FLAGS) $(STACK_TEST_FLAGS) $(addprefix ./,$(STACK_PKGS))
	@if [ "$(FUZZ_TIME)" != 0 ]; then for f in $(FUZZ_TARGETS); do \
	  echo "go test -run '^$$' -fuzz '^$$f$$' -fuzztime $(FUZZ_TIME) ./internal/gateway/"; \
	  go test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZ_TIME) ./internal/gateway/ || exit 1; \
	done; fi

.PHONY: bench
bench: tools $(if $(findstring cluster,$(BENCH_FLAGS)),cluster-tools) build ## measure the engine against a floor workflow on the real stack (worker: bin/benchworker) (BENCH_FLAGS="-n 300 -only throughput"; results in bench-results/)
	go build -o $(BIN)/ ./bench/benchworker
	go run ./bench $(BENCH_FLAGS)

CHAOS_FLAGS ?=

.PHONY: chaos
chaos: $(TEMPORAL) $(if $(findstring cluster,$(CHAOS_FLAGS)),cluster-tools) build ## kill, fail and restart parts of the real stack under a batch of onboardings (CHAOS_FLAGS='-scenario worker-kill -n 50')
	go run ./chaos -bin $(BIN) $(CHAOS_FLAGS)

# The end-to-end tests that record a history (each calls recordHistory).
RECORDING_TESTS := TestTestCompaniesThroughTheLifecycle|TestExpiredContractIsRenewed|TestCancelThroughGateway|TestFourEyesUpdate|TestDecisionBySignalIsRefused|TestExtendDeadline|TestReviewReminders|TestMissingEvidence|TestProviderBlocked|TestCancelDuringReview

.PHONY: record-histories
record-histories: $(TEMPORAL) ## re-record the current version's histories (workflows/testdata/histories/v4; older versions stay frozen) from end-to-end runs
	RECORD_HISTORIES=1 go test -count=1 -timeout 15m -run '^($(RECORDING_TESTS))$$' ./e2e/

.PHONY: lint
# govulncheck needs the vulnerability database (GOVULNDB, default https://vuln.go.dev): when it
# cannot be reached, scripts/govulncheck.sh says so and skips.
lint: $(WORKFLOWCHECK) $(STATICCHECK) $(GOVULNCHECK) $(TEMPORAL_SERVER) compose-check ## gofmt, go vet, staticcheck, workflowcheck, workflow import and vocabulary rules, govulncheck, compose file
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	go vet ./...
	$(STATICCHECK) ./...
	$(WORKFLOWCHECK) ./workflows/... ./bench/floor/...
	scripts/check-imports.sh
	GOVULNCHECK=$(GOVULNCHECK) scripts/govulncheck.sh

.PHONY: compose-check
compose-check: ## validate docker-compose.temporal.yml offline (installs Debian's docker-compose if needed)
	scripts/check-compose.sh

.PHONY: compose-up
compose-up: ## Temporal Server on PostgreSQL + UI with Docker (the alternative to the dev server)
	$(COMPOSE) -f $(COMPOSE_FILE) up -d

.PHONY: compose-down
compose-down: ## stop the Docker stack (data kept; `$(COMPOSE) -f $(COMPOSE_FILE) down -v` wipes it)
	$(COMPOSE) -f $(COMPOSE_FILE) down

.PHONY: clean
clean: ## remove built binaries and the dev server's state (.run/)
	rm -rf .run $(BIN)/worker $(BIN)/benchworker $(BIN)/gateway $(BIN)/starter $(BIN)/sandbox $(BIN)/run-cluster
