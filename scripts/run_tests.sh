#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh) and runs the whole test suite with ctest. The build
# has MPI (Open MPI), so that the tests of mpirun runs (tests/apps/mpi_cli_test.cc) run too;
# scripts/run_sanitizers.sh runs the whole suite again in a build without MPI.
set -euo pipefail
cd "$(dirname "$0")/.."
SBI_MPI=ON bash scripts/setup.sh
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 900
