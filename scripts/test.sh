#!/usr/bin/env bash
# Installs what is missing, then runs every test: vet, the whole suite, the
# engine soak test at full size, and the race detector on the engine,
# runtime and server packages.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

echo "== go mod tidy"
if ! go mod tidy -diff; then
  echo "go.mod/go.sum are not tidy: run go mod tidy" >&2
  exit 1
fi

echo "== go vet"
go vet ./...
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*'))
if [ -n "$unformatted" ]; then
  echo "not gofmt-ed: $unformatted" >&2
  exit 1
fi

echo "== go test"
go test -count=1 -timeout 30m ./...

echo "== race detector: engine, runtime, server (with the full engine soak)"
OUTPOST_SOAK=1 go test -count=1 -race -timeout 30m ./internal/jsc/ ./internal/runtime/ ./internal/server/
