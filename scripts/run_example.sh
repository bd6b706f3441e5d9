#!/usr/bin/env bash
# The main job, end to end: simulate two moons, train a conditional RealNVP, then sample
# the posterior for a fresh observation (with its true parameters) and print a summary.
# Outputs go to ./example_run/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
sbi=build/apps/sbi
out=example_run
mkdir -p "$out"
"$sbi" simulate --task two_moons --num 10000 --seed 1 --out "$out/sims.h5"
"$sbi" simulate --task two_moons --num 1 --seed 2026 --out "$out/obs.h5"   # /x and its true /theta
"$sbi" train --data "$out/sims.h5" --estimator realnvp --seed 1 --out "$out/model.h5"
"$sbi" sample --model "$out/model.h5" --observation "$out/obs.h5" --num 10000 --seed 1 \
  --out "$out/posterior.h5"
"$sbi" info "$out/posterior.h5" | head -40
