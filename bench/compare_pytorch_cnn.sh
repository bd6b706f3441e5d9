#!/usr/bin/env bash
# Same-network speed comparison of the convolutional embedding: bench_cnn_throughput (C++,
# float64 and float32 training passes) against cnn_pytorch.py (the same network in PyTorch, float32), at 1 and 2 threads,
# runs interleaved round by round so that both see the same machine load.
#
#   bench/compare_pytorch_cnn.sh                       # defaults below
#   STEPS=20 ROUNDS=5 THREADS=1 bench/compare_pytorch_cnn.sh
#
# Environment: BUILD_DIR (default build-bench), STEPS (30), WARMUP (3), ROUNDS (3), THREADS
# ("1 2"), DTYPES (PyTorch dtypes, "float32"; add float64 for the C++ side's precision),
# PYTHON (/usr/bin/python3, Debian's python3-torch), EXTRA (more flags for both programs,
# e.g. "--batch-size 64"), RUN_ENV (extra VAR=value settings for both programs, e.g.
# "OMP_WAIT_POLICY=passive": on a machine shared with other jobs, OpenMP threads that spin
# while waiting take the core their partner needs).
# PyTorch runs twice per dtype: with oneDNN (mkldnn, PyTorch's default for CPU convolutions)
# and without (its own im2col + BLAS). Either way its matrix products run in Debian's
# OpenBLAS, put in front through LD_LIBRARY_PATH (apt-get install -y libopenblas0-pthread);
# `blas=` in each PyTorch line says which library was loaded. The ratio quoted is against the
# faster of the PyTorch variants, per thread count.
#
# First checks that the two implementations compute the same function (cnn_pytorch.py
# --check on a dump of the C++ network), then prints medians over the rounds: steps per
# second (wall) and CPU milliseconds per step (all threads; at one thread on a shared
# machine the figure other processes inflate least).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-build-bench}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
STEPS="${STEPS:-30}"
WARMUP="${WARMUP:-3}"
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-1 2}"
DTYPES="${DTYPES:-float32}"
PYTHON="${PYTHON:-/usr/bin/python3}"
EXTRA="${EXTRA:-}"
RUN_ENV="${RUN_ENV:-}"
OPENBLAS_DIR=/usr/lib/x86_64-linux-gnu/openblas-pthread
BENCH="$BUILD_DIR/bench/bench_cnn_throughput"
PY="$ROOT/bench/cnn_pytorch.py"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
RESULTS="$WORK/results.txt"

# shellcheck source=bench/compare_support.sh
source "$ROOT/bench/compare_support.sh"
build_bench bench_cnn_throughput
if [[ ! -f "$OPENBLAS_DIR/libblas.so.3" ]]; then
  apt-get install -y libopenblas0-pthread >/dev/null
fi
ensure_torch python3-torch

print_machine "steps $STEPS after $WARMUP warm-up, $ROUNDS round(s), threads: $THREADS, PyTorch dtypes: $DTYPES${EXTRA:+, flags: $EXTRA}${RUN_ENV:+, env: $RUN_ENV}"
print_load before

echo "# same-network check (parameters, loss, gradient norm and embedding at the C++ weights):"
# shellcheck disable=SC2086
OMP_NUM_THREADS=1 "$BENCH" --steps 1 --warmup 3 $EXTRA --dump "$WORK/dump.txt" >/dev/null
LD_LIBRARY_PATH="$OPENBLAS_DIR" "$PYTHON" "$PY" --check "$WORK/dump.txt" | sed 's/^/#   /'

for round in $(seq 1 "$ROUNDS"); do
  for t in $THREADS; do
    # shellcheck disable=SC2086
    for precision in float64 float32; do  # the C++ training passes (sbi train --train-precision)
      env $RUN_ENV OMP_NUM_THREADS="$t" "$BENCH" --steps "$STEPS" --warmup "$WARMUP" --train-precision "$precision" \
        $EXTRA | tee -a "$RESULTS" | sed "s/^/# round $round: /"
    done
    for dtype in $DTYPES; do
      for mkldnn in 1 0; do
        # shellcheck disable=SC2086
        env $RUN_ENV OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" LD_LIBRARY_PATH="$OPENBLAS_DIR" \
          "$PYTHON" "$PY" --threads "$t" --dtype "$dtype" --mkldnn "$mkldnn" --steps "$STEPS" \
          --warmup "$WARMUP" $EXTRA | tee -a "$RESULTS" | sed "s/^/# round $round: /"
      done
    done
  done
done
print_load after

"$PYTHON" - "$RESULTS" <<'PYEOF'
import collections, statistics, sys

runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    kv = dict(f.split("=", 1) for f in line.split())
    variant = ("cpp", kv["dtype"].replace("float", "f")) if kv["impl"] == "cpp" else \
        ("pytorch", kv["dtype"].replace("float", "f") + (" oneDNN" if kv["mkldnn"] == "1" else " im2col"))
    runs[variant + (int(kv["threads"]),)].append(kv)


def med(variant, t, key):
    return statistics.median(float(r[key]) for r in runs[variant + (t,)])


threads = sorted({k[2] for k in runs})
cpps = sorted({k[:2] for k in runs if k[0] == "cpp"}, reverse=True)  # f64, then f32
pts = sorted({k[:2] for k in runs if k[0] == "pytorch"})
rounds = len(runs[cpps[0] + (threads[0],)])
for title, key, better in (("training steps/s (wall)", "steps_per_s", max),
                           ("CPU ms per training step (all threads)", "cpu_ms_per_step", min)):
    print(f"\n{title}; ratio = PyTorch time / C++ time (above 1: C++ faster), against the best "
          f"PyTorch; median of {rounds} run(s)")
    print(f"{'threads':>7}" + "".join(f" {'C++ ' + v[1]:>9}" for v in cpps) +
          "".join(f" {'PT ' + v[1]:>16}" for v in pts) + "".join(f" {'ratio C++ ' + v[1]:>14}" for v in cpps))
    for t in threads:
        c = {v: med(v, t, key) for v in cpps}
        pt = {v: med(v, t, key) for v in pts}
        best = better(pt.values())
        ratios = [c[v] / best if key == "steps_per_s" else best / c[v] for v in cpps]
        print(f"{t:>7}" + "".join(f" {c[v]:>9.2f}" for v in cpps) + "".join(f" {pt[v]:>16.2f}" for v in pts) +
              "".join(f" {r:>14.2f}" for r in ratios))
print("\nper step, ms (C++ / fastest PyTorch), median: forward, backward, rest (clip, Adam, batch)")
for t in threads:
    best = max(pts, key=lambda v: med(v, t, "steps_per_s"))
    for cpp in cpps:
        print(f"  threads {t}, C++ {cpp[1]}: " +
              ", ".join(f"{k} {med(cpp, t, k + '_ms'):.1f} / {med(best, t, k + '_ms'):.1f}"
                        for k in ("forward", "backward", "other")) + f"  (PT {best[1]})")
print("training loss, mean over the timed steps (median over runs):")
for t in threads:
    print(f"  threads {t}:" + "".join(f"  C++ {v[1]} {med(v, t, 'loss_mean'):.4f}" for v in cpps) +
          "".join(f"  PT {v[1]} {med(v, t, 'loss_mean'):.4f}" for v in pts))
PYEOF
