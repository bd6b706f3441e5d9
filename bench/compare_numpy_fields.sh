#!/usr/bin/env bash
# 256² Gaussian-field generation (white noise -> FFT -> multiply by sqrt(P) -> inverse FFT):
# the C++ GaussianField (bench_cosmo_fields, FFTW, ziggurat noise) against the same steps in
# numpy (numpy_fields.py, numpy.fft), interleaved round by round in one run so both see the
# same machine load, then the ratio of the medians (above 1: C++ faster).
#
#   bench/compare_numpy_fields.sh                  # defaults below
#   ROUNDS=5 MAPS=200 bench/compare_numpy_fields.sh
#
# Environment: BUILD_DIR (default build), N (256), MAPS (400 per repeat), REPEATS (3, best
# of), ROUNDS (3, median of), PYTHON (/usr/bin/python3, Debian's python3-numpy; installed with
# apt-get when missing and run as root).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-build}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
N="${N:-256}"
MAPS="${MAPS:-400}"
REPEATS="${REPEATS:-3}"
ROUNDS="${ROUNDS:-3}"
PYTHON="${PYTHON:-/usr/bin/python3}"
BENCH="$BUILD_DIR/bench/bench_cosmo_fields"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >"$WORK/build.log" 2>&1 ||
    { cat "$WORK/build.log" >&2; exit 1; }
fi
cmake --build "$BUILD_DIR" --target bench_cosmo_fields -j2 >"$WORK/build.log" 2>&1 ||
  { cat "$WORK/build.log" >&2; exit 1; }
if ! "$PYTHON" -c "import numpy" 2>/dev/null; then
  echo "# numpy missing for $PYTHON: apt-get install -y python3-numpy" >&2
  apt-get install -y python3-numpy >/dev/null
fi

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$PYTHON" "$ROOT/bench/numpy_fields.py" --n "$N" --maps 50 --repeats 1 --check
for r in $(seq "$ROUNDS"); do
  echo "round $r: load $(cut -d' ' -f1-3 /proc/loadavg)"
  "$BENCH" --n "$N" --maps "$MAPS" --repeats "$REPEATS" --threads 1,2 | tee -a "$WORK/cpp.txt" |
    grep -E '^threads' | sed 's/^/  C++ /'
  "$PYTHON" "$ROOT/bench/numpy_fields.py" --n "$N" --maps "$MAPS" --repeats "$REPEATS" |
    tee -a "$WORK/numpy.txt" | sed 's/^/  /'
done

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
cpp1=$(grep '^threads 1:' "$WORK/cpp.txt" | awk '{print $3}' | median)
cpp2=$(grep '^threads 2:' "$WORK/cpp.txt" | awk '{print $3}' | median)
np1=$(awk '{print $2}' "$WORK/numpy.txt" | median)
echo
echo "medians over $ROUNDS rounds, ${N}x${N} Gaussian maps per second:"
printf '  C++ 1 thread  %8.0f   numpy %8.0f   ratio %.2f\n' "$cpp1" "$np1" "$(awk -v a="$cpp1" -v b="$np1" 'BEGIN {print a / b}')"
printf '  C++ 2 threads %8.0f   numpy %8.0f   ratio %.2f  (numpy.fft is single-threaded)\n' \
  "$cpp2" "$np1" "$(awk -v a="$cpp2" -v b="$np1" 'BEGIN {print a / b}')"
