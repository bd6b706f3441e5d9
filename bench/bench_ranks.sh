#!/usr/bin/env bash
# Simulation, emulation and training throughput of `sbi` under mpirun at 1 and 2 ranks (1
# thread and 1 shard each), alternated over rounds in one run; prints per-round rates and the
# 2-rank / 1-rank ratio of the medians. Needs a build with MPI (`SBI_MPI=ON bash scripts/setup.sh`).
#
#   bash bench/bench_ranks.sh [path/to/sbi] [rounds]
set -euo pipefail
sbi=${1:-build/apps/sbi}
rounds=${2:-3}
"$sbi" --version | grep -q "MPI" || { echo "bench_ranks: $sbi was built without MPI" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
run() { mpirun --allow-run-as-root --oversubscribe -np "$1" "${@:2}" 2>/dev/null; }
seconds() { local t0 t1; t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

# The emulator: an NLE of two_moons (a few epochs: speed, not accuracy, is measured here).
"$sbi" simulate --task two_moons --num 5000 --seed 1 --out "$dir/sims.h5" 2>/dev/null
"$sbi" train --data "$dir/sims.h5" --target x --estimator nsf --max-epochs 3 --patience 0 \
  --out "$dir/emu.h5" 2>/dev/null
"$sbi" simulate --task two_moons --num 2000 --seed 2 --out "$dir/theta.h5" 2>/dev/null
"$sbi" simulate --task two_moons --num 10000 --seed 5 --out "$dir/train.h5" 2>/dev/null

# cosmo_field: compute-bound (2 ms a map, 100 bytes kept); lensing: output-bound (0.2 ms
# and 18 KiB an image, which rank 0 reads back from the chunks and writes once more).
num_cosmo=2000 num_sims=4000 num_theta=2000 per_theta=250 epochs=20
# Training: the realnvp default network, batch 128, on the 9,000 training pairs of 10^4
# (the whole command: start, reading, the validation passes and the model's write included).
declare -A cosmo sim emu fit
for round in $(seq "$rounds"); do
  for ranks in 1 2; do
    rm -f "$dir/out.h5"
    t=$(seconds run "$ranks" "$sbi" simulate --task cosmo_field --num $num_cosmo --seed 3 --threads 1 \
        --chunk 250 --out "$dir/out.h5")
    cosmo[$ranks]+="$(echo "$num_cosmo / $t" | bc -l) "
    rm -f "$dir/out.h5"
    t=$(seconds run "$ranks" "$sbi" simulate --task lensing --num $num_sims --seed 3 --threads 1 \
        --chunk 500 --out "$dir/out.h5")
    sim[$ranks]+="$(echo "$num_sims / $t" | bc -l) "
    rm -f "$dir/out.h5"
    t=$(seconds run "$ranks" "$sbi" emulate --model "$dir/emu.h5" --theta "$dir/theta.h5" \
        --num-per-theta $per_theta --seed 4 --threads 1 --out "$dir/out.h5")
    emu[$ranks]+="$(echo "$num_theta * $per_theta / $t" | bc -l) "
    t=$(seconds run "$ranks" "$sbi" train --data "$dir/train.h5" --estimator realnvp --max-epochs $epochs \
        --patience 0 --threads 1 --shards 1 --out "$dir/model.h5")
    fit[$ranks]+="$(echo "$epochs * 9000 / $t" | bc -l) "
  done
  printf 'round %d: cosmo_field maps/s 1 rank %.0f, 2 ranks %.0f; lensing images/s 1 rank %.0f, 2 ranks %.0f; emulated draws/s 1 rank %.0f, 2 ranks %.0f; training pairs/s 1 rank %.0f, 2 ranks %.0f\n' \
    "$round" $(echo "${cosmo[1]}" | awk '{print $NF}') $(echo "${cosmo[2]}" | awk '{print $NF}') $(echo "${sim[1]}" | awk '{print $NF}') $(echo "${sim[2]}" | awk '{print $NF}') \
    $(echo "${emu[1]}" | awk '{print $NF}') $(echo "${emu[2]}" | awk '{print $NF}') \
    $(echo "${fit[1]}" | awk '{print $NF}') $(echo "${fit[2]}" | awk '{print $NF}')
done
for what in cosmo sim emu fit; do
  declare -n rates=$what
  m1=$(echo "${rates[1]}" | tr ' ' '\n' | grep . | median)
  m2=$(echo "${rates[2]}" | tr ' ' '\n' | grep . | median)
  case $what in
    cosmo) name="simulate (cosmo_field, $num_cosmo maps)" ;;
    sim) name="simulate (lensing 48x48, $num_sims images)" ;;
    emu) name="emulate (two_moons nsf, $num_theta x $per_theta)" ;;
    fit) name="train (two_moons realnvp, $epochs epochs of 9000 pairs)" ;;
  esac
  printf '%s: median %.0f/s at 1 rank, %.0f/s at 2 ranks, ratio %.2f\n' "$name" "$m1" "$m2" "$(echo "$m2 / $m1" | bc -l)"
done
