#!/usr/bin/env bash
# (Ωm, σ8) from one mock weak-lensing convergence map with NPE, twice: on the binned power
# spectrum alone, and on the power spectrum plus peak counts. Prints the posterior areas and
# the width of S8 = σ8 sqrt(Ωm / 0.3) for both, and draws corner plots. See README.md here.
#
#   examples/cosmology/run.sh                 # outputs in ./cosmology_run/
#   NUM=50000 OUT=big_run examples/cosmology/run.sh
#
# Environment: SBI (default build/apps/sbi), OUT (cosmology_run), NUM (training simulations,
# 20000), SEED (1), THREADS (0: all cores), PYTHON (/usr/bin/python3 with numpy and h5py, for
# the observation's θ file, the power-only copy of the simulations and the area figures).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SBI="${SBI:-$ROOT/build/apps/sbi}"
OUT="${OUT:-cosmology_run}"
NUM="${NUM:-20000}"
SEED="${SEED:-1}"
THREADS="${THREADS:-0}"
PYTHON="${PYTHON:-/usr/bin/python3}"
mkdir -p "$OUT"
# The simulator: lognormal convergence maps, 128² pixels over 5° x 5°, sources at z_s = 1,
# σ_e = 0.26 and 30 galaxies per arcmin²; summaries: 10 log band powers (ℓ = 72 .. 4608)
# and peak counts of the map smoothed at 2 arcmin in S/N bins 0-1, 1-2, 2-3, 3-4, 4-6.
TASK=(--task cosmo_field --param summary=power+peaks)
start=$SECONDS

# 1. Training set: NUM pairs from the prior Ωm ~ U(0.1, 0.5), σ8 ~ U(0.5, 1.1).
"$SBI" simulate "${TASK[@]}" --num "$NUM" --seed "$SEED" --threads "$THREADS" --out "$OUT/sims_pp.h5"

# 2. The mock observation: one map at Ωm = 0.3, σ8 = 0.8, and power-only copies of both files
#    (the first 10 entries of x are the band powers of the same maps).
"$PYTHON" - "$OUT" <<'PY'
import sys, h5py, numpy as np
out = sys.argv[1]
with h5py.File(f"{out}/theta_true.h5", "w") as f:
    f["theta"] = np.array([[0.3, 0.8]])
PY
"$SBI" simulate "${TASK[@]}" --theta "$OUT/theta_true.h5" --seed 2026 --out "$OUT/obs_pp.h5"
"$PYTHON" - "$OUT" <<'PY'
import sys, h5py
out = sys.argv[1]
for name in ("sims", "obs"):
    with h5py.File(f"{out}/{name}_pp.h5", "r") as src, h5py.File(f"{out}/{name}_p.h5", "w") as dst:
        names = [n.decode() if isinstance(n, bytes) else n for n in src.attrs["data_names"]]
        keep = [i for i, n in enumerate(names) if n.startswith("logC_ell")]
        for key, value in src.attrs.items():
            dst.attrs[key] = value
        dst.attrs["data_names"] = [names[i] for i in keep]
        dst["theta"] = src["theta"][...]
        dst["x"] = src["x"][:, keep]
PY

# 3. Train one NPE (neural spline flow) per summary and sample each posterior.
for s in p pp; do
  "$SBI" train --data "$OUT/sims_$s.h5" --estimator nsf --seed "$SEED" --threads "$THREADS" \
    --out "$OUT/model_$s.h5" 2> "$OUT/train_$s.log" || { cat "$OUT/train_$s.log" >&2; exit 1; }
  tail -n 1 "$OUT/train_$s.log"
  "$SBI" sample --model "$OUT/model_$s.h5" --observation "$OUT/obs_$s.h5" --num 20000 --seed "$SEED" \
    --threads "$THREADS" --out "$OUT/posterior_$s.h5"
  "$SBI" plot corner "$OUT/posterior_$s.h5" --truth "$OUT/obs_$s.h5" --png \
    --title "$([[ $s == p ]] && echo 'power spectrum' || echo 'power spectrum + peaks')" \
    --out "$OUT/corner_$s.svg"
done

# 4. Posterior sizes: the area of the 68% highest-density region in the (Ωm, σ8) plane (from
#    a smoothed 2-D histogram), sqrt(det Σ) of the posterior covariance, and the std of S8.
"$PYTHON" - "$OUT" <<'PY'
import sys, h5py, numpy as np
out = sys.argv[1]

def hpd_area(om, s8, mass=0.68, bins=120, smooth=1.5):
    lo, hi = np.array([0.1, 0.5]), np.array([0.5, 1.1])
    h, _, _ = np.histogram2d(om, s8, bins=bins, range=[[lo[0], hi[0]], [lo[1], hi[1]]])
    # Gaussian smoothing of the histogram (FFT, zero-padded) against shot noise.
    k = np.arange(-4 * int(np.ceil(smooth)), 4 * int(np.ceil(smooth)) + 1)
    g = np.exp(-0.5 * (k / smooth) ** 2)
    g /= g.sum()
    h = np.apply_along_axis(lambda v: np.convolve(v, g, mode="same"), 0, h)
    h = np.apply_along_axis(lambda v: np.convolve(v, g, mode="same"), 1, h)
    d = np.sort(h.ravel())[::-1]
    c = np.cumsum(d) / d.sum()
    cells = np.searchsorted(c, mass) + 1
    return cells * np.prod((hi - lo) / bins)

rows = []
for s, label in (("p", "power spectrum"), ("pp", "power spectrum + peaks")):
    with h5py.File(f"{out}/posterior_{s}.h5", "r") as f:
        om = f["posterior/omega_m"][...].ravel()
        s8 = f["posterior/sigma8"][...].ravel()
    S8 = s8 * np.sqrt(om / 0.3)
    cov = np.cov(np.vstack([om, s8]))
    # The best-measured combination sigma8 (Omega_m / 0.3)^alpha: alpha minimising the scatter
    # of its logarithm, -cov(ln s8, ln om) / var(ln om).
    lc = np.cov(np.log(s8), np.log(om))
    rows.append((label, hpd_area(om, s8), np.sqrt(np.linalg.det(cov)), np.corrcoef(om, s8)[0, 1],
                 om.mean(), om.std(), s8.mean(), s8.std(), S8.mean(), S8.std(), -lc[0, 1] / lc[1, 1]))
print()
print("truth: Omega_m = 0.3, sigma8 = 0.8, S8 = 0.8; prior area 0.4 x 0.6 = 0.24; "
      "alpha: the best-measured sigma8 (Omega_m / 0.3)^alpha")
print(f"{'summary':24s} {'68% HPD area':>12s} {'sqrt(det C)':>11s} {'corr':>6s} "
      f"{'Omega_m':>15s} {'sigma8':>15s} {'S8':>15s} {'alpha':>6s}")
for r in rows:
    print(f"{r[0]:24s} {r[1]:12.4g} {r[2]:11.3g} {r[3]:6.2f} {r[4]:7.3f}+-{r[5]:.3f} "
          f"{r[6]:7.3f}+-{r[7]:.3f} {r[8]:7.3f}+-{r[9]:.3f} {r[10]:6.2f}")
print(f"ratios (power+peaks / power): HPD area {rows[1][1] / rows[0][1]:.2f}, "
      f"sqrt(det C) {rows[1][2] / rows[0][2]:.2f}, std(S8) {rows[1][9] / rows[0][9]:.2f}")
PY
echo "total $((SECONDS - start)) s; outputs in $OUT/"
