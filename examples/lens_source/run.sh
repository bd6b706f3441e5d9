#!/usr/bin/env bash
# The source galaxy behind a strong lens, reconstructed with a diffusion prior
# (examples/lens_source/README.md): simulate galaxy images (the sources), train a diffusion
# prior over them (`sbi prior train`), lens held-out galaxies through a fixed lens and observe
# them with the lensing task's instrument (`sbi lens-image`), then sample each source's
# posterior (`sbi reconstruct`) and compare its mean with the regularised least-squares
# source; finally the same source at growing noise, where the reconstructions turn into
# draws of the prior (Adam et al. 2022).
#
#   examples/lens_source/run.sh                   # outputs in ./lens_source_run/
#   NUM=5000 EPOCHS=30 examples/lens_source/run.sh  # a quick look
#
# Environment: SBI (default build/apps/sbi), OUT (lens_source_run), NUM (training galaxies,
# 20000), EPOCHS (at most, 300), HIDDEN (width of the score network, 256), SOURCES (held-out
# galaxies reconstructed at the default noise, 5), DRAWS (posterior draws, 64),
# PRIOR (a prior.h5 of an earlier run: skips the training), NOISES (the sweep's noise levels, "0.1 1 10 100 1000"), SEED (1), THREADS (0: all cores).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SBI="${SBI:-$ROOT/build/apps/sbi}"
OUT="${OUT:-lens_source_run}"
NUM="${NUM:-20000}"
EPOCHS="${EPOCHS:-300}"
HIDDEN="${HIDDEN:-256}"
SOURCES="${SOURCES:-5}"
DRAWS="${DRAWS:-64}"
NOISES="${NOISES:-0.1 1 10 100 1000}"
SEED="${SEED:-1}"
THREADS="${THREADS:-0}"
mkdir -p "$OUT"

# 1. Source galaxies: 32 x 32 noise-free images (Sérsic bulge + disk with clumps or spiral
#    arms, `--task galaxy_images`), and held-out ones from another seed. On the source plane
#    a pixel is 0.05" (--source-pixel-scale), so the 1.6" field holds disks of 0.15-0.4".
GAL=(--task galaxy_images --param npix=32 --param noise_sigma=0 --threads "$THREADS")
"$SBI" simulate "${GAL[@]}" --num "$NUM" --seed "$SEED" --out "$OUT/galaxies.h5"
"$SBI" simulate "${GAL[@]}" --num 100 --seed "$((SEED + 100))" --out "$OUT/held_out.h5"

# 2. The diffusion prior: principal components of the images (99.9% of their variance),
#    then a score model of the coefficients (VP SDE, likelihood weighting).
if [[ -n "${PRIOR:-}" ]]; then
  cp "$PRIOR" "$OUT/prior.h5"  # a prior trained before (by this script), reused
else
  "$SBI" prior train --data "$OUT/galaxies.h5" --hidden "$HIDDEN" --max-epochs "$EPOCHS" \
    --seed "$SEED" --threads "$THREADS" --out "$OUT/prior.h5" 2> "$OUT/train_prior.log" ||
    { cat "$OUT/train_prior.log" >&2; exit 1; }
  grep -E "principal components|best validation" "$OUT/train_prior.log" | sed 's/^sbi: /  /'
fi
"$SBI" prior sample --model "$OUT/prior.h5" --num 500 --seed "$SEED" --out "$OUT/prior_draws.h5"
"$SBI" plot images "$OUT/prior_draws.h5" --num 16 --title "diffusion prior draws" --out "$OUT/prior_draws.svg"
"$SBI" plot images "$OUT/held_out.h5" --num 16 --title "held-out galaxies" --out "$OUT/held_out.svg"

# 3. The lens: an SIE of Einstein radius 1" (axis ratio 0.8) with a little external shear.
#    The instrument is the lensing task's default: 48 x 48 pixels of 0.1", Gaussian PSF of
#    0.15" FWHM, noise σ = 0.1 per pixel.
/usr/bin/python3 - "$OUT/lens.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w") as f:
    f["theta"] = np.array([[1.0, 0.8, 0.5, 0.03, -0.02]])  # theta_E, q, phi, gamma1, gamma2
PY
LENS=(--lens "$OUT/lens.h5" --source-pixel-scale 0.05)
reconstruct() {  # reconstruct NAME SOURCE_INDEX NOISE
  "$SBI" lens-image --source "$OUT/held_out.h5" --source-index "$2" "${LENS[@]}" \
    --param noise_sigma="$3" --seed "$((SEED + 200 + $2))" --out "$OUT/obs_$1.h5" 2> "$OUT/lens_image_$1.log" ||
    { cat "$OUT/lens_image_$1.log" >&2; exit 1; }
  "$SBI" reconstruct --prior "$OUT/prior.h5" --observation "$OUT/obs_$1.h5" "${LENS[@]}" \
    --param noise_sigma="$3" --num "$DRAWS" --seed "$SEED" --threads "$THREADS" \
    --out "$OUT/source_$1.h5" 2> "$OUT/reconstruct_$1.log" || { cat "$OUT/reconstruct_$1.log" >&2; exit 1; }
}

# 4. Held-out sources at the default noise: the reduced χ² of the posterior mean's model
#    image, and the error of the mean and of regularised least squares against the truth.
echo "== held-out sources at noise sigma 0.1: reduced chi2 and RMS error against the true source"
for ((i = 0; i < SOURCES; i++)); do reconstruct "default_$i" "$i" 0.1; done
/usr/bin/python3 - "$OUT" "$SOURCES" <<'PY'
import sys, h5py, numpy as np
out, n = sys.argv[1], int(sys.argv[2])
print("  source  reduced_chi2  rms(mean - truth)  rms(least squares - truth)  rms(truth)")
ratios = []
for i in range(n):
    with h5py.File(f"{out}/source_default_{i}.h5", "r") as r, h5py.File(f"{out}/obs_default_{i}.h5", "r") as o:
        truth = o["source"][...]
        e_mean = np.sqrt(np.mean((r["mean"][...] - truth) ** 2))
        e_ls = np.sqrt(np.mean((r["least_squares"][...] - truth) ** 2))
        ratios.append(e_mean / e_ls)
        print(f"  {i:6d}  {r.attrs['reduced_chi2']:12.3f}  {e_mean:17.4f}  {e_ls:26.4f}  {np.sqrt(np.mean(truth ** 2)):10.4f}")
print(f"  error of the posterior mean / error of least squares: median {np.median(ratios):.2f}, "
      f"largest {max(ratios):.2f}")
PY

# 5. One source at growing noise: the draws' error against the truth relative to that of
#    prior draws (-> 1 as the data stop constraining the source), and the posterior's mean
#    standard deviation relative to the prior's.
echo "== source 0 at growing noise: the posterior becomes the prior"
for s in $NOISES; do reconstruct "noise_$s" 0 "$s"; done
/usr/bin/python3 - "$OUT" $NOISES <<'PY'
import sys, h5py, numpy as np
out, noises = sys.argv[1], sys.argv[2:]
with h5py.File(f"{out}/prior_draws.h5", "r") as f:
    prior = f["x"][...]
with h5py.File(f"{out}/obs_noise_{noises[0]}.h5", "r") as f:
    truth = f["source"][...]
rms = lambda d: np.sqrt(np.mean((d - truth) ** 2, axis=(-2, -1)))
with h5py.File(f"{out}/source_noise_{noises[0]}.h5", "r") as f:
    n = f["samples"].shape[0]
prior_error = rms(prior).mean()
prior_sd = prior[:n].std(axis=0).mean()  # as many prior draws as posterior draws: the same bias
print("  noise_sigma  reduced_chi2  rms(mean - truth)  draw error / prior-draw error  posterior sd / prior sd")
for s in noises:
    with h5py.File(f"{out}/source_noise_{s}.h5", "r") as r:
        draws = r["samples"][...]
        print(f"  {float(s):11g}  {r.attrs['reduced_chi2']:12.3f}  {rms(r['mean'][...]):17.4f}  "
              f"{rms(draws).mean() / prior_error:29.3f}  {r['std'][...].mean() / prior_sd:23.3f}")
PY
echo "figures: $OUT/source_noise_*_samples.svg (draws), $OUT/source_*_source.svg (mean, std, least squares),"
echo "         $OUT/source_*_image.svg (observation, model, residual), $OUT/prior_draws.svg"
