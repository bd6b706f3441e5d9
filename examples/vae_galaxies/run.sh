#!/usr/bin/env bash
# A variational autoencoder for galaxy images (examples/vae_galaxies/README.md): simulate
# galaxy cut-outs (`--task galaxy_images`: Sérsic bulge + exponential disk with clumps or
# spiral arms, PSF, noise), train a convolutional VAE, write image grids of data,
# reconstructions and samples, print rate, distortion and the importance-weighted
# log-likelihood on held-out images; then the same VAE at three values of β and with the
# rate controller, to show the rate-distortion trade-off.
#
#   examples/vae_galaxies/run.sh                    # outputs in ./vae_galaxies_run/
#   NUM=4000 EPOCHS=5 examples/vae_galaxies/run.sh  # a quick look
#
# Environment: SBI (default build/apps/sbi), OUT (vae_galaxies_run), NUM (training images,
# 10000), EPOCHS (at most, 20), LATENT (16), BETAS ("0.25 1 4", the sweep), TARGET_RATE (the
# controller's target in nats; default: half the rate of the β = 1 run), SEED (1),
# THREADS (0: all cores).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SBI="${SBI:-$ROOT/build/apps/sbi}"
OUT="${OUT:-vae_galaxies_run}"
NUM="${NUM:-10000}"
EPOCHS="${EPOCHS:-20}"
LATENT="${LATENT:-16}"
BETAS="${BETAS:-0.25 1 4}"
SEED="${SEED:-1}"
THREADS="${THREADS:-0}"
mkdir -p "$OUT"

# 1. Training images and 1000 held-out ones (another seed), 48 x 48 pixels each.
"$SBI" simulate --task galaxy_images --num "$NUM" --seed "$SEED" --threads "$THREADS" --out "$OUT/galaxies.h5"
"$SBI" simulate --task galaxy_images --num 1000 --seed "$((SEED + 100))" --threads "$THREADS" \
  --out "$OUT/test.h5"

# 2. The VAE: a CNN encoder (8, 16, 32 channels, 2 x 2 pooling) to the mean and log σ of
#    LATENT latents, a convolutional decoder (upsampling, 32, 16, 8 channels) back to the
#    image, Gaussian likelihood with a learned σ on the standardised pixels.
NET=(--latent "$LATENT" --encoder cnn --decoder conv --channels 8,16,32 --hidden 128
     --max-epochs "$EPOCHS" --patience 10 --seed "$SEED" --threads "$THREADS")
train() {  # train NAME [flags...]: vae_NAME.h5 and its log; prints the last line
  local name=$1; shift
  "$SBI" vae train --data "$OUT/galaxies.h5" "${NET[@]}" "$@" --out "$OUT/vae_$name.h5" \
    2> "$OUT/train_$name.log" || { cat "$OUT/train_$name.log" >&2; exit 1; }
  grep "at the best epoch" "$OUT/train_$name.log" | sed 's/^sbi: //'
}
echo "== beta = 1 (the ELBO)"
train beta1 --beta 1

# 3. Image grids (SVG): 16 held-out galaxies, their reconstructions (the decoder's mean at
#    the encoder's mean) and 16 draws from the prior, with one common stretch per grid.
"$SBI" vae encode --model "$OUT/vae_beta1.h5" --data "$OUT/test.h5" --out "$OUT/test_z.h5"
"$SBI" vae decode --model "$OUT/vae_beta1.h5" --latents "$OUT/test_z.h5" --out "$OUT/reconstructions.h5"
"$SBI" vae sample --model "$OUT/vae_beta1.h5" --num 16 --seed "$SEED" --out "$OUT/samples.h5"
"$SBI" plot images "$OUT/test.h5" --num 16 --title "held-out galaxies" --out "$OUT/data.svg"
"$SBI" plot images "$OUT/reconstructions.h5" --num 16 --title "VAE reconstructions" --out "$OUT/reconstructions.svg"
"$SBI" plot images "$OUT/samples.h5" --num 16 --title "VAE samples" --out "$OUT/samples.svg"

# 4. Rate, distortion, ELBO and the importance-weighted log-likelihood (K = 100) on the
#    held-out images.
"$SBI" vae evaluate --model "$OUT/vae_beta1.h5" --data "$OUT/test.h5" --iw-samples 100 --seed "$SEED"

# 5. The latents as summaries for inference: NPE of the galaxy parameters θ from the 16
#    latent means (sbi train on the encoded training set), applied to held-out galaxy 0.
"$SBI" vae encode --model "$OUT/vae_beta1.h5" --data "$OUT/galaxies.h5" --out "$OUT/galaxies_z.h5"
"$SBI" train --data "$OUT/galaxies_z.h5" --seed "$SEED" --threads "$THREADS" --out "$OUT/npe.h5" \
  2> "$OUT/train_npe.log" || { cat "$OUT/train_npe.log" >&2; exit 1; }
/usr/bin/python3 - "$OUT" <<'PY'
import sys, h5py
out = sys.argv[1]
with h5py.File(f"{out}/test_z.h5", "r") as f, h5py.File(f"{out}/obs_z.h5", "w") as g:
    g["x"] = f["z_mean"][0:1]
    g["theta"] = f["theta"][0:1]
    g.attrs["parameter_names"] = f.attrs["parameter_names"]
PY
"$SBI" sample --model "$OUT/npe.h5" --observation "$OUT/obs_z.h5" --num 10000 --seed "$SEED" \
  --out "$OUT/posterior.h5" > /dev/null
echo "== NPE on the latents, held-out galaxy 0 (posterior mean +- sd, truth)"
/usr/bin/python3 - "$OUT" <<'PY'
import sys, h5py, numpy as np
out = sys.argv[1]
with h5py.File(f"{out}/obs_z.h5", "r") as f:
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in f.attrs["parameter_names"]]
    truth = f["theta"][0]
with h5py.File(f"{out}/posterior.h5", "r") as f:
    for i, n in enumerate(names):
        d = f["posterior"][n][...].ravel()
        lo, hi = np.quantile(d, [0.025, 0.975])
        print(f"  {n:11s} {d.mean():9.4f} +- {d.std():7.4f}   truth {truth[i]:9.4f}"
              f"   {'inside' if lo <= truth[i] <= hi else 'OUTSIDE'} the 95% interval")
PY

# 6. The rate-distortion trade-off: the same VAE at each β of BETAS, then the PI controller
#    steering β to TARGET_RATE nats.
echo "== beta sweep (held-out distortion / rate, nats per image)"
for b in $BETAS; do
  [[ $b == 1 ]] || train "beta$b" --beta "$b" > /dev/null
  "$SBI" vae evaluate --model "$OUT/vae_beta$b.h5" --data "$OUT/test.h5" --iw-samples 1 --seed "$SEED" |
    awk -v b="$b" '/distortion/ {printf "  beta %-5s distortion %10.2f  rate %8.2f\n", b, $2, $4}'
done
rate1=$(grep "at the best epoch" "$OUT/train_beta1.log" | sed -E 's/.*rate ([0-9.]+) nats.*/\1/')
TARGET_RATE="${TARGET_RATE:-$(awk -v r="$rate1" 'BEGIN {printf "%.1f", r / 2}')}"
echo "== rate controller, target $TARGET_RATE nats"
train control --target-rate "$TARGET_RATE"
/usr/bin/python3 - "$OUT/vae_control.h5" "$TARGET_RATE" <<'PY'
import sys, h5py, numpy as np
path, target = sys.argv[1], float(sys.argv[2])
with h5py.File(path, "r") as f:
    rate = f["history/train_rate"][...]
    beta = f["history/beta"][...]
inside = np.abs(rate / target - 1) <= 0.05
# The first epoch from which every later epoch's rate is within 5% of the target.
settled = next((e for e in range(len(rate)) if inside[e:].all()), None)
print("  training rate per epoch: " + " ".join(f"{r:.1f}" for r in rate))
print("  beta per epoch:          " + " ".join(f"{b:.2f}" for b in beta))
if settled is None:
    print(f"  the rate did not settle within 5% of {target} nats")
else:
    dev = np.abs(rate[settled:] / target - 1).max()
    print(f"  within 5% of the target from epoch {settled + 1} of {len(rate)} on "
          f"(largest deviation after that {100 * dev:.1f}%)")
PY
