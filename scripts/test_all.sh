#!/usr/bin/env bash
# `make test`: the whole suite on SQLite and on PostgreSQL, and the dependency audit, side by
# side. The PostgreSQL pass, the longest, runs as three processes (browser and PDF tests; web
# tests; the rest), each with its own throwaway server, unless PYTEST_ARGS picks tests, so the
# two cores stay busy to the end instead of waiting on one long process. Browser tests run on a
# phone (or tablet) with SQLite and on a laptop with PostgreSQL (tests/conftest.py:
# DEVICE_OF_PASS). Each line is prefixed with its pass; the summary at the end names every pass
# that failed (with its failed tests), and the exit status says so too.
set -u
VENV=${VENV:-.venv}
PYTEST_ARGS=${PYTEST_ARGS:-}
AUDIT_ARGS=${AUDIT_ARGS:-}

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

run() {  # name, command...: run with prefixed output (kept in $logs/name); exit status of the command
  local name=$1
  shift
  "$@" 2>&1 | sed -u "s/^/[$name] /" | tee "$logs/$name"
  return "${PIPESTATUS[0]}"
}

recap() {  # name: the lines that say what failed, so the end of the output names them
  echo "== $1 failed:"
  sed -n '/= short test summary info =/,$p' "$logs/$1" | grep -E '^\[[a-z-]+\] (FAILED|ERROR)' ||
    grep -E 'FAILED|ERROR|Error' "$logs/$1" | tail -n 20
}

start=$(date +%s)
# shellcheck disable=SC2086  # PYTEST_ARGS / AUDIT_ARGS are word lists on purpose
run sqlite "$VENV/bin/python" -m pytest --db=sqlite -p no:cacheprovider $PYTEST_ARGS &
sqlite=$!
postgres_web=""
postgres_browser=""
if [ -z "$PYTEST_ARGS" ]; then
  run postgres-browser "$VENV/bin/python" -m pytest --db=postgres -p no:cacheprovider tests/browser tests/pdf &
  postgres_browser=$!
  run postgres-web "$VENV/bin/python" -m pytest --db=postgres -p no:cacheprovider tests/web &
  postgres_web=$!
  run postgres "$VENV/bin/python" -m pytest --db=postgres -p no:cacheprovider \
    --ignore=tests/browser --ignore=tests/pdf --ignore=tests/web &
  postgres=$!
else
  run postgres "$VENV/bin/python" -m pytest --db=postgres -p no:cacheprovider $PYTEST_ARGS &
  postgres=$!
fi
run audit "$VENV/bin/python" scripts/audit_deps.py requirements.txt -- $AUDIT_ARGS &
audit=$!

failed=""
wait "$sqlite" || failed="$failed sqlite"
wait "$postgres" || failed="$failed postgres"
if [ -n "$postgres_web" ]; then wait "$postgres_web" || failed="$failed postgres-web"; fi
if [ -n "$postgres_browser" ]; then wait "$postgres_browser" || failed="$failed postgres-browser"; fi
wait "$audit" || failed="$failed audit"
echo "== make test: $(( $(date +%s) - start )) s"
if [ -n "$failed" ]; then
  for name in $failed; do recap "$name"; done
  echo "== tests FAILED for:$failed"
  exit 1
fi
echo "== all passes green: sqlite, postgres (web, browser, the rest), audit"
