#!/usr/bin/env bash
# Installs the Debian packages the toolkit needs (when run as root and any is missing),
# then configures and builds it in ./build (with MPI when SBI_MPI=ON is set). Safe to re-run. Prints one line per stage;
# what the stages print goes to build/setup.log, shown (its end) only when a stage fails.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
log=build/setup.log
: >"$log"

# stage NAME COMMAND...: runs COMMAND with its output in the log; on failure, shows the log.
stage() {
  local name=$1 start=$SECONDS
  shift
  printf 'setup: %s ... ' "$name" >&2
  if "$@" >>"$log" 2>&1; then
    echo "ok ($((SECONDS - start)) s)" >&2
    return
  fi
  echo "FAILED" >&2
  echo "---- last 80 lines of $log ----" >&2
  tail -n 80 "$log" >&2
  echo "setup: $name failed (the whole log: $log)" >&2
  exit 1
}

stage packages bash scripts/install_packages.sh setup $(grep -v '^#' scripts/packages.txt)
# SBI_MPI=ON (environment): build with MPI (installs Open MPI); the default build has none.
extra=()
if [ "${SBI_MPI:-OFF}" = ON ]; then
  stage mpi-packages bash scripts/install_packages.sh setup libopenmpi-dev openmpi-bin
  extra=(-DSBI_MPI=ON)
fi
stage configure cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "${extra[@]}"
stage build cmake --build build -j"$(nproc)"
