#!/bin/sh
# System tools for qmlp: installs what is missing (Debian/apt), never touches what is there.
# Usage: flows/setup.sh          (called by `make setup`)
set -eu

need=""
command -v iverilog  >/dev/null 2>&1 || need="$need iverilog"
command -v verilator >/dev/null 2>&1 || need="$need verilator"
command -v yosys     >/dev/null 2>&1 || need="$need yosys"
command -v g++       >/dev/null 2>&1 || need="$need g++"
command -v make      >/dev/null 2>&1 || need="$need make"
# ccache makes Verilator rebuilds ~5x faster; optional but cheap
command -v ccache    >/dev/null 2>&1 || need="$need ccache"
[ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || need="$need dataset-fashion-mnist"
python3 -c 'import venv, ensurepip' 2>/dev/null || need="$need python3-venv"

if [ -z "$need" ]; then
    echo "setup: system tools present (iverilog, verilator, yosys, g++, ccache, dataset-fashion-mnist)"
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "setup: missing:$need" >&2
    echo "setup: not root, so not installing them; run:  sudo apt-get install -y$need" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: missing:$need, and there is no apt-get here; install them with your package manager" >&2
    exit 1
fi
echo "setup: installing$need (apt-get)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $need >/dev/null
echo "setup: installed$need"
