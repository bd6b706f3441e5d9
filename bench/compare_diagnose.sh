#!/usr/bin/env bash
# `sbi diagnose` (simulation-based calibration: NUM_SBC simulations x DRAWS posterior draws,
# two_moons) with two `sbi` binaries, whole commands timed, alternated ROUNDS times in one
# run; prints each time, the medians and the ratio BEFORE / AFTER (above 1: AFTER faster).
# Each binary diagnoses the models it trained itself (realnvp and nsf, its defaults, the same
# 10^4 simulations, seed 1), as a user of that version would: the models differ by rounding
# only, and each carries its version's defaults (e.g. the inference precision).
#
#   BEFORE=/path/to/old/sbi bench/compare_diagnose.sh        # AFTER defaults to build/apps/sbi
#   NUM_SBC=1000 DRAWS=1000 ROUNDS=3 THREADS=2 ESTIMATORS="realnvp nsf" bench/compare_diagnose.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BEFORE="${BEFORE:?set BEFORE to the sbi binary to compare against}"
AFTER="${AFTER:-$ROOT/build/apps/sbi}"
NUM_SBC="${NUM_SBC:-1000}"
DRAWS="${DRAWS:-1000}"
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-2}"
ESTIMATORS="${ESTIMATORS:-realnvp nsf}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$BEFORE" simulate --task two_moons --num 10000 --seed 1 --out "$WORK/sims.h5" >/dev/null 2>&1
for e in $ESTIMATORS; do
  for side in before after; do
    binary=$BEFORE; [[ $side == after ]] && binary=$AFTER
    OMP_NUM_THREADS=$THREADS "$binary" train --data "$WORK/sims.h5" --estimator "$e" --seed 1 \
      --out "$WORK/${e}_$side.h5" >/dev/null 2>&1
  done
done

seconds() {  # seconds BINARY MODEL: the wall time of one diagnose run
  local start end
  start=$(date +%s.%N)
  OMP_NUM_THREADS=$THREADS "$1" diagnose --model "$WORK/$2.h5" --task two_moons \
    --num-sbc "$NUM_SBC" --num-posterior-samples "$DRAWS" --seed 1 \
    --out "$WORK/report_$RANDOM.h5" >/dev/null 2>&1
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f", b - a}'
}
# shellcheck source=bench/compare_support.sh
source "$ROOT/bench/compare_support.sh"  # median

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); threads $THREADS; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for e in $ESTIMATORS; do
  before=() after=()
  for ((r = 1; r <= ROUNDS; ++r)); do
    before+=("$(seconds "$BEFORE" "${e}_before")")
    after+=("$(seconds "$AFTER" "${e}_after")")
  done
  b=$(median "${before[@]}")
  a=$(median "${after[@]}")
  printf '%-8s diagnose --num-sbc %s x %s draws: before %s s, after %s s; medians %s / %s s, ratio %.2fx\n' \
    "$e" "$NUM_SBC" "$DRAWS" "${before[*]}" "${after[*]}" "$b" "$a" "$(awk -v a="$a" -v b="$b" 'BEGIN {print b / a}')"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
