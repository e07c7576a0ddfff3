# Shared by the end-to-end test scripts (sourced): how a case fails or is skipped,
# required tools, and a free loopback TCP port. Needs $python.
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
skip() { echo "SKIP: $*"; exit 0; }
need() { command -v "$1" >/dev/null || fail "$1 is not installed (./setup.sh installs it)"; }
free_port() { $python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
