#!/usr/bin/env bash
# The main job, end to end: simulate two moons, train a conditional RealNVP, then sample
# the posterior for a fresh observation (with its true parameters) and print a summary.
# Outputs go to ./example_run/, with everything the commands log in example_run/log.txt
# (shown only when a step fails).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
sbi=build/apps/sbi
out=example_run
mkdir -p "$out"
log=$out/log.txt
: >"$log"

# step WHAT ARGS...: `sbi ARGS` with its log in $log; stdout (the summary) still shows.
step() {
  local what=$1 start=$SECONDS
  shift
  echo "example: $what" >&2
  if ! "$sbi" "$@" 2>>"$log"; then
    tail -n 40 "$log" >&2
    echo "example: '$what' failed (the whole log: $log)" >&2
    exit 1
  fi
  echo "example:   done in $((SECONDS - start)) s" >&2
}

step "simulating 10^4 two-moons pairs" \
  simulate --task two_moons --num 10000 --seed 1 --out "$out/sims.h5"
step "simulating an observation with its true parameters" \
  simulate --task two_moons --num 1 --seed 2026 --out "$out/obs.h5"
step "training a RealNVP posterior estimator (one line per epoch in $log)" \
  train --data "$out/sims.h5" --estimator realnvp --seed 1 --out "$out/model.h5"
step "sampling 10^4 posterior draws" \
  sample --model "$out/model.h5" --observation "$out/obs.h5" --num 10000 --seed 1 \
  --out "$out/posterior.h5"
echo "example: outputs in $out/: sims.h5, obs.h5, model.h5, posterior.h5 (sbi info FILE)" >&2
