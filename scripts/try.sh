#!/usr/bin/env bash
# Installs what is missing, builds outpost and runs `outpost dev` on an
# example project (default examples/hello). Extra arguments go to outpost dev.
set -euo pipefail
cd "$(dirname "$0")/.."
OUTPOST_SETUP_TEST_DEPS=0 ./scripts/setup.sh
example=${1:-examples/hello}
shift || true
mkdir -p bin
go build -o bin/outpost ./cmd/outpost
exec ./bin/outpost dev "$example" "$@"
