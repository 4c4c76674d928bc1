#!/usr/bin/env bash
# `make test`: the whole suite on SQLite and on PostgreSQL, and the dependency audit, side by
# side (each pass is mostly one process waiting on a browser or a database, so two cores finish
# them together in about the time of the longest). The PostgreSQL pass, the longest, runs as two
# processes (browser and PDF tests; the rest), each with its own throwaway server, unless
# PYTEST_ARGS picks tests. Each line is prefixed with its pass; the summary at the end names
# every pass that failed, and the exit status says so too.
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
if [ -z "$PYTEST_ARGS" ]; then
  run postgres-browser "$VENV/bin/python" -m pytest --db=postgres -p no:cacheprovider tests/browser tests/pdf &
  postgres_browser=$!
  run postgres "$VENV/bin/python" -m pytest --db=postgres -p no:cacheprovider --ignore=tests/browser --ignore=tests/pdf &
  postgres=$!
else
  run postgres "$VENV/bin/python" -m pytest --db=postgres -p no:cacheprovider $PYTEST_ARGS &
  postgres=$!
  postgres_browser=""
fi
run audit "$VENV/bin/python" scripts/audit_deps.py requirements.txt -- $AUDIT_ARGS &
audit=$!

failed=""
wait "$sqlite" || failed="$failed sqlite"
wait "$postgres" || failed="$failed postgres"
if [ -n "$postgres_browser" ]; then wait "$postgres_browser" || failed="$failed postgres-browser"; fi
wait "$audit" || failed="$failed audit"
echo "== make test: $(( $(date +%s) - start )) s"
if [ -n "$failed" ]; then
  for name in $failed; do recap "$name"; done
  echo "== tests FAILED for:$failed"
  exit 1
fi
echo "== all passes green: sqlite, postgres, audit"
