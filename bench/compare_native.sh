#!/usr/bin/env bash
# The default, portable build (x86-64-v3: AVX2 + FMA) against -DSBI_NATIVE=ON (the build
# machine's CPU, AVX-512 where it has it), interleaved in one run: RealNVP training steps
# and sampling (bench_train_throughput), the CNN embedding's training step
# (bench_cnn_throughput) and lensing images (bench_lensing), each at 1 thread, ROUNDS
# times; prints the medians and the ratio native / portable (above 1: native faster).
#
#   bench/compare_native.sh                       # builds build/ and build-native/ as needed
#   ROUNDS=5 PORTABLE=build NATIVE=build-native bench/compare_native.sh
#
# PORTABLE and NATIVE are build directories; a missing one is configured (Release, with
# SBI_NATIVE OFF or ON) and its three bench targets built.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PORTABLE="${PORTABLE:-build}"
NATIVE="${NATIVE:-build-native}"
ROUNDS="${ROUNDS:-3}"
TARGETS=(bench_train_throughput bench_cnn_throughput bench_lensing)

prepare() {  # prepare DIR ON|OFF
  local dir=$1 native=$2
  if [[ ! -f $dir/CMakeCache.txt ]]; then
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DSBI_NATIVE="$native" >/dev/null
  fi
  grep -q "^SBI_NATIVE:BOOL=$native" "$dir/CMakeCache.txt" ||
    { echo "compare_native: $dir is not configured with SBI_NATIVE=$native" >&2; exit 1; }
  cmake --build "$dir" -j"$(nproc)" --target "${TARGETS[@]}" >/dev/null
}
prepare "$PORTABLE" OFF
prepare "$NATIVE" ON

# value KEY LINE: the number after KEY= in a key=value line.
value() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }
# shellcheck source=bench/compare_support.sh
source "$ROOT/bench/compare_support.sh"  # median

declare -A results
run_round() {  # run_round DIR LABEL
  local dir=$1 label=$2 line
  line=$(OMP_NUM_THREADS=1 "$dir/bench/bench_train_throughput" --steps 1000 --warmup 50)
  results[$label.train]+="$(value steps_per_s "$line") "
  results[$label.sample]+="$(value draws_per_s "$line") "
  line=$(OMP_NUM_THREADS=1 "$dir/bench/bench_cnn_throughput" --steps 20 --warmup 3)
  results[$label.cnn]+="$(value steps_per_s "$line") "
  line=$("$dir/bench/bench_lensing" --images 5000 --repeats 1 --threads 1 |
         sed -n 's/.*1 thread(s): \([0-9]*\) images per processor-second.*/\1/p')
  results[$label.lensing]+="$line "
}
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= ROUNDS; ++r)); do
  run_round "$PORTABLE" portable
  run_round "$NATIVE" native
done
printf '%-44s %12s %12s %8s\n' "median of $ROUNDS interleaved rounds, 1 thread" portable native ratio
for key in train:"RealNVP training steps/s (two_moons)" sample:"RealNVP posterior draws/s" \
           cnn:"CNN embedding training steps/s (48 x 48)" lensing:"lensing images per processor-second"; do
  k=${key%%:*}
  p=$(median ${results[portable.$k]})
  n=$(median ${results[native.$k]})
  printf '%-44s %12.1f %12.1f %7.2fx\n' "${key#*:}" "$p" "$n" "$(awk -v a="$n" -v b="$p" 'BEGIN {print a / b}')"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
