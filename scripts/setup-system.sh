#!/usr/bin/env bash
# Ensure the Debian/Ubuntu system packages eventsite needs are installed.
# Silent and quick when everything is present; installs missing packages when
# run as root, otherwise prints the sudo command to run and exits 1.
set -euo pipefail

# chromium: PDF/screenshot rendering; postgresql: server binaries for tests;
# fonts-noto-*: glyph coverage; libpango*: WeasyPrint; wrk: benchmarks;
# poppler-utils: pdftotext/pdfinfo in tests; redis-server: shared rate-limit storage
# (tests start a throwaway one); npm and a Java runtime: the page checkers the tests run
# (the Nu HTML checker, vnu.jar, and axe-core, both from the npm registry; see the Makefile).
packages=(
  chromium
  postgresql
  fonts-noto-core
  fonts-noto-cjk
  fonts-noto-color-emoji
  libpango-1.0-0
  libpangoft2-1.0-0
  wrk
  poppler-utils
  redis-server
  npm
  default-jre-headless
)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup-system: dpkg-query not found; this script supports Debian/Ubuntu only." >&2
  echo "setup-system: install the equivalents of: ${packages[*]}" >&2
  exit 1
fi

is_installed() {
  local status
  status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
  [[ "$status" == *" ok installed" ]]
}

have_pg_server() {
  local f
  for f in /usr/lib/postgresql/*/bin/initdb; do
    [[ -x "$f" ]] && return 0
  done
  return 1
}

# A package counts as present if dpkg says so; chromium and postgresql are
# judged by their binaries (/usr/bin/chromium; initdb of any PG version, e.g.
# postgresql-16 without the "postgresql" metapackage).
present() {
  case "$1" in
    chromium) [[ -x /usr/bin/chromium ]] ;;
    postgresql) have_pg_server ;;
    npm) command -v npm >/dev/null 2>&1 ;;
    default-jre-headless) command -v java >/dev/null 2>&1 ;;
    *) is_installed "$1" ;;
  esac
}

missing=()
for pkg in "${packages[@]}"; do
  present "$pkg" || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  {
    echo "setup-system: missing system packages: ${missing[*]}"
    echo "setup-system: install them with:"
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
  } >&2
  exit 1
fi

echo "setup-system: installing missing system packages: ${missing[*]}"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"

# Re-check so a silently incomplete install fails loudly.
for pkg in "${missing[@]}"; do
  if ! present "$pkg"; then
    echo "setup-system: $pkg still missing after apt-get install" >&2
    exit 1
  fi
done
