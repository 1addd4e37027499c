# Sourced by setup and test: makes this machine able to run kata. Idempotent and quick
# when everything is already there.
#   - a Docker engine (installs docker.io and starts dockerd when `docker info` fails),
#   - the Python package in .venv, at requirements.lock's versions,
#   - chromium, for the headless check of the HTML leaderboard,
#   - wrk, the raw HTTP load tool bench/bench_load_ceiling.py compares kata's load grader with,
#   - the local images (no registry here: python:3.X-slim, postgres, redis stand-ins).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_docker() {
  if docker info >/dev/null 2>&1; then return; fi
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1 \
      || ! command -v iptables >/dev/null 2>&1; then
    say "installing docker.io, iptables, debootstrap (Debian packages)"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io iptables debootstrap >/dev/null
  fi
  say "starting dockerd"
  setsid dockerd >/tmp/kata-dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then return; fi
    sleep 1
  done
  echo "dockerd did not start; see /tmp/kata-dockerd.log" >&2
  exit 4
}

ensure_venv() {
  # The versions of requirements.lock (a constraint file): the ones the suite passed with.
  if [ ! -x .venv/bin/kata ] || [ pyproject.toml -nt .venv/.installed ] \
      || [ requirements.lock -nt .venv/.installed ]; then
    say "installing kata into .venv (versions from requirements.lock)"
    python3 -m venv .venv
    log="$(mktemp)"
    if ! .venv/bin/pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]' \
        >"$log" 2>&1; then
      grep -v '^WARNING' "$log" >&2
      echo "pip could not install kata at requirements.lock's versions (above)" >&2
      exit 4
    fi
    rm -f "$log"
    .venv/bin/kata version >/dev/null
    touch .venv/.installed
  fi
}

ensure_chromium() {
  # Headless Chromium checks the HTML leaderboard (tests/test_leaderboard_browser.py).
  if [ -x /usr/bin/chromium ]; then return; fi
  say "installing chromium (Debian package)"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
}

ensure_wrk() {
  # The ceiling the load grader is measured against (bench/bench_load_ceiling.py).
  if command -v wrk >/dev/null 2>&1; then return; fi
  say "installing wrk (Debian package)"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null
}

ensure_images() {
  say "local images (built once, then skipped)"
  .venv/bin/kata images "$@"
}

[ "${KATA_NO_DOCKER:-}" = 1 ] || ensure_docker  # scripts/test --fast needs no engine
ensure_venv
ensure_chromium
ensure_wrk
