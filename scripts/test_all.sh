#!/usr/bin/env bash
# `make test`: the whole suite on SQLite and on PostgreSQL, and the dependency audit, side by
# side. Each database's pass runs as three processes (browser and PDF tests; web tests; the
# rest; on PostgreSQL each with its own throwaway server), unless PYTEST_ARGS picks tests, so
# the two cores stay busy to the end instead of waiting on one long process. Browser tests run on a
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
# Keep compiled bytecode (in __pycache__, ignored by git) even where the environment says not
# to write it (PYTHONDONTWRITEBYTECODE, set on the CI machines): six test processes, and the
# servers, job runners and commands the tests start, would each compile every module of the
# app and pytest would rewrite every test module, again and again (seconds of CPU each).
# Compile the app once before the passes start, so they do not all compile it at once.
unset PYTHONDONTWRITEBYTECODE
"$VENV/bin/python" -m compileall -q -j 0 eventsite wsgi.py >/dev/null
pids=()
names=()
start_pass() {  # name, pytest arguments...: one pytest process in the background
  local name=$1
  shift
  # shellcheck disable=SC2086  # PYTEST_ARGS is a word list on purpose
  run "$name" "$VENV/bin/python" -m pytest -p no:cacheprovider "$@" &
  pids+=($!)
  names+=("$name")
}
for db in sqlite postgres; do
  if [ -z "$PYTEST_ARGS" ]; then
    start_pass "$db-browser" --db=$db tests/browser tests/pdf
    start_pass "$db-web" --db=$db tests/web
    start_pass "$db" --db=$db --ignore=tests/browser --ignore=tests/pdf --ignore=tests/web
  else
    # shellcheck disable=SC2086
    start_pass "$db" --db=$db $PYTEST_ARGS
  fi
done
run audit "$VENV/bin/python" scripts/audit_deps.py requirements.txt -- $AUDIT_ARGS &
audit=$!

failed=""
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || failed="$failed ${names[$i]}"
done
wait "$audit" || failed="$failed audit"
echo "== make test: $(( $(date +%s) - start )) s"
if [ -n "$failed" ]; then
  for name in $failed; do recap "$name"; done
  echo "== tests FAILED for:$failed"
  exit 1
fi
echo "== all passes green: sqlite and postgres (browser and PDF, web, the rest of each), audit"
