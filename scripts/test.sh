#!/usr/bin/env bash
# Runs every test: installs and starts PostgreSQL when missing (the store's tests run against both
# SQLite and PostgreSQL and fail, never skip, without it), then builds and runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(bash scripts/ensure-postgres.sh | tail -n 1)"
export SWITCHBOARD_TEST_POSTGRES_URL
echo "PostgreSQL for tests: ${SWITCHBOARD_TEST_POSTGRES_URL%%@*}@…"

swift build --build-tests
if [ "$#" -gt 0 ]; then
    exec swift test --skip-build "$@"
fi
# Two runs: the end-to-end suite plays real-time audio through real servers, so it runs alone rather
# than beside the CPU-bound simulator suites on this 2-core machine. Together they are every test.
end_to_end='^SwitchboardServerTests\.EndToEnd/'
swift test --skip-build --skip "$end_to_end"
swift test --skip-build --filter "$end_to_end"
