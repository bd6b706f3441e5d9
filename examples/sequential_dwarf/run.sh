#!/usr/bin/env bash
# Sequential inference for one mock dwarf galaxy (`sbi infer --method tsnpe`): a cusp (NFW,
# γ = 1) observed as 300 stars (R, v_los), rounds of simulate -> train -> truncate the prior,
# and after each round the posterior of that round's model, its spread per parameter and a
# corner plot (round_R.svg): the posterior shrinks round by round. See README.md here.
#
#   examples/sequential_dwarf/run.sh                    # outputs in ./sequential_dwarf_run/
#   ROUNDS=2 NUM=1000 EPOCHS=5 examples/sequential_dwarf/run.sh   # a quick check
#
# Environment: SBI (default build/apps/sbi), OUT (sequential_dwarf_run), ROUNDS (4), NUM
# (simulations per round, 5000), EPOCHS (at most this many epochs a round, 200), SEED (1),
# THREADS (0: all cores).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SBI="${SBI:-$ROOT/build/apps/sbi}"
OUT="${OUT:-sequential_dwarf_run}"
ROUNDS="${ROUNDS:-4}"
NUM="${NUM:-5000}"
EPOCHS="${EPOCHS:-200}"
SEED="${SEED:-1}"
THREADS="${THREADS:-0}"
mkdir -p "$OUT"
rm -rf "$OUT/posterior.h5.rounds" "$OUT"/round_*.h5 "$OUT"/round_*.svg

# The mock: θ = (log10 ρ0, log10 r_s, γ, β, log10 r_star) = (7.8, 0, 1, 0, log10 0.25), a cusp
# with r_s = 1 kpc and isotropic orbits, 300 stars (simulators/dwarf.h), written with h5import
# (hdf5-tools) as /theta (1, 5), then simulated at that θ.
printf '7.8 0 1 0 -0.60206\n' > "$OUT/theta.txt"
printf 'PATH theta\nINPUT-CLASS TEXTFP\nRANK 2\nDIMENSION-SIZES 1 5\nOUTPUT-CLASS FP\nOUTPUT-SIZE 64\n' > "$OUT/theta.cfg"
rm -f "$OUT/theta.h5"
h5import "$OUT/theta.txt" -c "$OUT/theta.cfg" -o "$OUT/theta.h5"
TASK=(--task dwarf --param num_stars=300)
"$SBI" simulate "${TASK[@]}" --theta "$OUT/theta.h5" --seed 7 --out "$OUT/mock.h5"

# The rounds: a DeepSets embedding of the star set, a neural spline flow.
"$SBI" infer "${TASK[@]}" --observation "$OUT/mock.h5" --method tsnpe --rounds "$ROUNDS" \
  --num-per-round "$NUM" --embedding deepsets --max-epochs "$EPOCHS" --seed "$SEED" \
  --threads "$THREADS" --num 4000 --out "$OUT/posterior.h5"

# Each round's posterior: its spread per parameter, and a corner plot against the truth.
for ((r = 1; r <= ROUNDS; r++)); do
  model=$(printf '%s/posterior.h5.rounds/model_%03d.h5' "$OUT" "$r")
  "$SBI" sample --model "$model" --observation "$OUT/mock.h5" --num 4000 --seed "$SEED" \
    --out "$OUT/round_$r.h5" > "$OUT/round_$r.txt" 2>/dev/null
  "$SBI" plot corner "$OUT/round_$r.h5" --truth "$OUT/theta.h5" --out "$OUT/round_$r.svg" 2>/dev/null
  echo "round $r: posterior mean and sd per parameter (truth 7.8 0 1 0 -0.602)"
  sed -n '3,$p' "$OUT/round_$r.txt"
done
echo "corner plots: $OUT/round_1.svg .. $OUT/round_$ROUNDS.svg; rounds' simulations and models in $OUT/posterior.h5.rounds/"
