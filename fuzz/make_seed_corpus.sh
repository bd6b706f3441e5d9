#!/usr/bin/env bash
# Regenerates the committed seed corpus in fuzz/corpus/: small valid files made by the real
# `sbi` program (simulation, observation and model files, set data of the dwarf task), files
# as a user's own code writes them (fuzz_seed_files), prior specs and command lines.
#
#   bash fuzz/make_seed_corpus.sh [BUILD_DIR]   (default build-asan, configured with SBI_FUZZ=ON)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-asan}
cmake --build "$build" -j"$(nproc)" --target sbi fuzz_seed_files >&2
sbi=$PWD/$build/apps/sbi
corpus=$PWD/fuzz/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1
mkdir -p "$corpus"/{simulations,observations,model,prior,flags}

# Simulation and observation files from `sbi simulate`.
"$sbi" simulate --task two_moons --num 8 --seed 1 --out "$corpus/simulations/two_moons.h5"
"$sbi" simulate --task dwarf --num 2 --seed 1 --param num_stars=4 --param num_stars_min=2 \
  --out "$corpus/simulations/dwarf_variable_sets.h5"
"$sbi" simulate --task two_moons --num 1 --seed 2 --out "$corpus/observations/two_moons_one.h5"
"$sbi" simulate --task dwarf --num 1 --seed 2 --param num_stars=4 \
  --out "$corpus/observations/dwarf_flat_set.h5"
"$build/fuzz/fuzz_seed_files" "$corpus"

# Tiny models (one epoch, width 8): each estimator, and a deep-sets model of star sets.
"$sbi" simulate --task two_moons --num 64 --seed 3 --out "$work/tm.h5"
"$sbi" simulate --task dwarf --num 32 --seed 3 --param num_stars=4 --param num_stars_min=2 \
  --out "$work/dw.h5"
small=(--max-epochs 1 --patience 0 --hidden 8 --layers 1 --transforms 1 --batch-size 16 --seed 1)
"$sbi" train --data "$work/tm.h5" --out "$corpus/model/realnvp.h5" "${small[@]}" 2>/dev/null
"$sbi" train --data "$work/tm.h5" --out "$corpus/model/nsf.h5" --estimator nsf "${small[@]}" 2>/dev/null
"$sbi" train --data "$work/tm.h5" --out "$corpus/model/cnf_mlp.h5" --estimator cnf \
  --embedding mlp --embedding-dim 2 --embedding-hidden 8 --embedding-layers 1 "${small[@]}" 2>/dev/null
"$sbi" train --data "$work/dw.h5" --out "$corpus/model/dwarf_deepsets.h5" --embedding deepsets \
  --embedding-dim 4 --embedding-hidden 8 --embedding-layers 1 "${small[@]}" 2>/dev/null

# Prior specs, one per file.
i=0
for spec in "uniform(-1,1)*2" "normal(0,0.5),lognormal(0,1)" "uniform(-2,2)*2,normal(0,1)*3" \
            "lognormal(1.5,0.25)" "uniform(0.5, 3) , normal(-1e3,2.5e-2)*2"; do
  printf '%s' "$spec" >"$corpus/prior/spec_$i"
  i=$((i + 1))
done

# Command lines: the subcommand and its arguments separated by NUL bytes.
argv() {
  local name=$1
  shift
  printf '%s\0' "$@" | head -c -1 >"$corpus/flags/$name"
}
argv simulate simulate --task two_moons --num 1000 --seed 1 --out sims.h5 --threads 2
argv simulate_param simulate --task gaussian_linear --param dim=3 --param noise_var=0.1 --num 10 --out s.h5
argv simulate_theta simulate --task dwarf --theta theta.h5 --out s.h5 --param=num_stars=50
argv train train --data sims.h5 --out model.h5 --estimator nsf --hidden 32 --lr 5e-4 \
  --max-epochs 10 --patience 0 --prior "uniform(-1,1)*2" --nonfinite error
argv train_sets train --data d.h5 --out m.h5 --embedding deepsets --embedding-dim 8 --pooling mean+sum --no-set-norm
argv sample sample --model model.h5 --observation obs.h5 --out post.h5 --num 500 --seed 7 --no-prior-restriction
argv map map --model model.h5 --observation obs.h5 --out map.h5 --starts 3 --candidates 100 --max-iterations 50
argv diagnose diagnose --model m.h5 --task two_moons --num-sbc 20 --out r.h5 --tarp-reference box --png
argv plot plot corner post.h5 --out c.svg --bins 20 --smooth 0.5 --title T --observation 0 --png
argv export export post.h5 --format getdist --out root
argv info info file.h5
ls -la "$corpus"/* | awk '{s += $5} END {print "fuzz/corpus: " s " bytes"}'
