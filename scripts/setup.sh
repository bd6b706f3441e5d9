#!/usr/bin/env bash
# Installs the Debian packages the toolkit needs (when run as root and any is missing),
# then configures and builds it in ./build. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install_packages.sh setup $(grep -v '^#' scripts/packages.txt)

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >&2
