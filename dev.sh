#!/usr/bin/env bash
# Set up a virtual environment and run Neuroglide: `./dev.sh demo` or `./dev.sh test`.
set -euo pipefail
cd "$(dirname "$0")"

venv=.venv
stamp="$venv/.installed"

ensure_python_venv() {
  if python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' >/dev/null 2>&1; then
    return
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing python3-venv (Debian/Ubuntu)..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip >/dev/null
  else
    echo "Python's venv module is missing: run 'sudo apt-get install python3-venv' and try again." >&2
    exit 1
  fi
}

ensure_env() {
  # Reinstall only when the project's dependencies changed.
  local want
  want="$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)"
  if [ ! -x "$venv/bin/python" ]; then
    ensure_python_venv
    python3 -m venv "$venv"
  fi
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "Installing Neuroglide and its dependencies into $venv ..."
    "$venv/bin/python" -m pip install -q --upgrade pip >/dev/null
    "$venv/bin/python" -m pip install -q -c constraints.txt -e ".[dev]"
    echo "$want" > "$stamp"
  fi
}

cmd="${1:-help}"
shift || true
case "$cmd" in
  demo)
    ensure_env
    # The links the demo prints must point at the address the server is about to listen on.
    args=("$@")
    for ((i = 0; i < ${#args[@]}; i++)); do
      case "${args[$i]}" in
        --port) export NEUROGLIDE_PORT="${args[$((i + 1))]:-}" ;;
        --port=*) export NEUROGLIDE_PORT="${args[$i]#--port=}" ;;
        --host) export NEUROGLIDE_HOST="${args[$((i + 1))]:-}" ;;
        --host=*) export NEUROGLIDE_HOST="${args[$i]#--host=}" ;;
      esac
    done
    "$venv/bin/neuroglide" demo
    exec "$venv/bin/neuroglide" serve --no-migrate "$@"
    ;;
  serve)
    ensure_env
    exec "$venv/bin/neuroglide" serve "$@"
    ;;
  test)
    ensure_env
    echo "ruff..."
    "$venv/bin/ruff" check app tests bench migrations
    echo "mypy..."
    "$venv/bin/mypy" app
    exec "$venv/bin/python" -m pytest "$@"
    ;;
  *)
    echo "usage: ./dev.sh demo | serve | test [pytest args]" >&2
    exit 2
    ;;
esac
