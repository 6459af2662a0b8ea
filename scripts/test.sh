#!/usr/bin/env bash
# Runs every test: installs and starts PostgreSQL when missing (the store's tests run against both
# SQLite and PostgreSQL and fail, never skip, without it), then builds and runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(bash scripts/ensure-postgres.sh | tail -n 1)"
export SWITCHBOARD_TEST_POSTGRES_URL
echo "PostgreSQL for tests: ${SWITCHBOARD_TEST_POSTGRES_URL%%@*}@…"

swift build --build-tests
swift test --skip-build "$@"
