#!/usr/bin/env bash
# weir's one-step setup on Debian 12: installs the Debian packages weir needs,
# builds, and then either runs weir's main job (./setup.sh run) or builds and runs
# the whole test suite (./setup.sh test). Safe to run again: it installs only what
# is missing and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")"

mode=${1:-run}
jobs=$(nproc)

packages=(
  build-essential cmake ninja-build pkg-config git
  libzstd-dev liblz4-dev libxxhash-dev libcli11-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libpcap-dev  # the meter's capture from files and interfaces
  libssl-dev libcpp-httplib-dev libsqlite3-dev libsimdjson-dev  # weir export: Community ID (SHA-1), HTTP sinks, cursor, responses
  openssl  # certificates for the export's TLS test
  clang clang-format python3
  pybind11-dev python3-dev python3-numpy python3-pandas  # the Python module (import weir)
  python3-pytest python3-matplotlib  # its tests, and the plotting example
  nfdump     # the peer that differential tests compare answers with (nfcapd, nfreplay)
  softflowd  # a real exporter for the collector's tests
  pmacct     # pmacctd's sfprobe: a real sFlow exporter for the collector's tests
  tshark     # an independent decoder of NetFlow/IPFIX and of packets for the tests
  iproute2 iputils-ping  # network namespaces and ping for the meter's live test
  prometheus curl  # prometheus scrapes weir collect's --metrics-listen in the metrics test
  libsodium-dev  # weir serve: Argon2id password hashes, random tokens
  libtomlplusplus-dev  # weir detect: the rule files
  zlib1g-dev  # weir eve: gzip-compressed EVE files
  gobgpd     # a real BGP speaker for the blackhole test of weir collect --detect
  exabgp     # the other speaker weir drives, peering with gobgpd in that test
  nodejs     # builds the web UI (Vite, TypeScript) and runs its browser test
  chromium   # the browser the UI's end-to-end test drives (Playwright)
)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

# The web UI: npm packages as locked in ui/package-lock.json, then the Vite build
# into ui/dist, which the weir build embeds.
build_ui() {
  if ! command -v npm >/dev/null; then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends npm >&2
  fi
  if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    (cd ui && npm ci --no-audit --no-fund --loglevel=error) >&2
  fi
  (cd ui && npm run --silent build) >&2
}

# without_shared CTEST_ARGS...: the tests chosen, as on a clone with no ../shared.
without_shared() {
  local log
  log=$(mktemp)
  if ! WEIR_SHARED_DIR=/nonexistent/shared ctest --preset ci -j "$jobs" --output-on-failure "$@" >"$log" 2>&1; then
    tail -40 "$log" >&2
    rm -f "$log"
    echo "setup: tests fail on a clone without ../shared (ctest $*)" >&2
    exit 1
  fi
  echo "setup: $(grep -m1 'tests passed' "$log") without ../shared (ctest $*)" >&2
  rm -f "$log"
}

case "$mode" in
  run)
    install_missing
    build_ui
    cmake --preset release >/dev/null
    cmake --build --preset release -j "$jobs"
    # weir's main job on its embedded default: the collector, listening on 2055
    # (NetFlow v5/v9, IPFIX), 4739 (IPFIX, UDP and TCP) and 6343 (sFlow), storing
    # into ./data. Ctrl-C (or SIGTERM) flushes and stops it.
    exec build/release/src/cli/weir collect "${@:2}"
    ;;
  test)
    install_missing
    build_ui
    cmake --preset ci >/dev/null
    cmake --build --preset ci -j "$jobs"
    # First the fast tests with the shared data beside the checkout hidden: a clone
    # with nothing beside it must pass (the tests that need that data skip). Then
    # everything, with the data when it is there.
    without_shared -L 'unit|fuzz'
    without_shared -R '^(cli\.site|collect\.(config_errors|writeup|repeated))$'
    ctest --preset ci -j "$jobs"
    ;;
  *)
    echo "usage: $0 run|test" >&2
    exit 2
    ;;
esac
