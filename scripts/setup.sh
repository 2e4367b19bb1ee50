#!/usr/bin/env bash
# Installs what Outpost needs to build and test, when it is missing:
# JavaScriptCore's headers (Debian/Ubuntu), PostgreSQL and Chromium for the
# tests, Go modules, and the npm packages of the example and test projects.
# Safe to run again: it only installs what is not there.
set -euo pipefail
cd "$(dirname "$0")/.."

want_apt=()
need() { dpkg -s "$1" >/dev/null 2>&1 || want_apt+=("$1"); }
if command -v dpkg >/dev/null 2>&1; then
  need libjavascriptcoregtk-4.1-dev
  need pkg-config
  need gcc
  if [ "${OUTPOST_SETUP_TEST_DEPS:-1}" = 1 ]; then
    need postgresql
    need chromium
    need bsdutils # script(1): the dev server's keys are tested on a pseudo-terminal
  fi
  if [ ${#want_apt[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "setup: installing ${want_apt[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${want_apt[@]}" >/dev/null
  fi
elif [ "$(uname)" = Darwin ]; then
  : # JavaScriptCore.framework ships with macOS.
else
  echo "setup: install JavaScriptCore (javascriptcoregtk-4.1) with your package manager" >&2
fi

go mod download

# npm packages for the projects in examples/ and testdata/ (fixtures only:
# Outpost itself never runs Node.js).
if [ "${OUTPOST_SETUP_NPM:-1}" = 1 ]; then
  while IFS= read -r lock; do
    dir=$(dirname "$lock")
    if [ ! -d "$dir/node_modules" ] || [ "$lock" -nt "$dir/node_modules/.package-lock.json" ]; then
      if ! command -v npm >/dev/null 2>&1; then
        echo "setup: npm is needed to install the packages of $dir" >&2
        exit 1
      fi
      echo "setup: npm ci in $dir"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  done < <(find examples testdata internal -name package-lock.json -not -path '*/node_modules/*' 2>/dev/null | sort)
fi
