# Shared setup for scripts/demo and scripts/test: finds Python >= 3.11, installs
# uv (pinned) if missing, and installs the locked dependencies into .venv.
# Sourced, not run. Usage: setup_env [--no-dev]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export UV_PYTHON_DOWNLOADS=never
UV_VERSION=0.13.8

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  echo "gongkai: 需要 Python 3.11 或更高版本 / Python 3.11 or newer is required" >&2
  return 1
}

setup_env() {
  local python uv
  python="$(find_python)"
  if command -v uv >/dev/null 2>&1 && [ "$(uv --version | cut -d' ' -f2)" = "$UV_VERSION" ]; then
    uv="$(command -v uv)"
  else
    if [ ! -x "$ROOT/.tools/bin/uv" ]; then
      echo "gongkai: 安装 uv $UV_VERSION / installing uv $UV_VERSION" >&2
      "$python" -m venv "$ROOT/.tools"
      "$ROOT/.tools/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
    fi
    uv="$ROOT/.tools/bin/uv"
  fi
  (cd "$ROOT" && "$uv" sync --frozen --quiet --python "$python" "$@")
}
