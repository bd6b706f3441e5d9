#!/usr/bin/env bash
# Same-architecture speed comparison: the C++ conditional RealNVP (bench_train_throughput)
# against the same model in PyTorch (realnvp_pytorch.py, float32 and float64), at 1 and 2
# threads, runs interleaved round by round so that both see the same machine load.
#
#   bench/compare_pytorch.sh                      # defaults below
#   STEPS=500 ROUNDS=1 THREADS="1 2" bench/compare_pytorch.sh
#
# Environment: BUILD_DIR (default build-bench), STEPS (2000), WARMUP (50), ROUNDS (3),
# THREADS ("1 2"), PYTHON (/usr/bin/python3, Debian's python3-torch), EXTRA (more flags for
# both programs, e.g. "--batch-size 256 --hidden 128"), PT_ENV (extra VAR=value settings for
# the PyTorch runs only, e.g. "OMP_WAIT_POLICY=passive").
# OPENBLAS (1): Debian's torch does its matrix products in the system libblas.so.3 (ATLAS
# here), not in MKL as the pip wheels do; with OPENBLAS=1 the PyTorch runs are repeated with
# OpenBLAS put in front through LD_LIBRARY_PATH. Nothing is installed: unless OPENBLAS_DIR
# names a folder holding its libblas.so.3, the Debian package is fetched with
# `apt-get download` and unpacked into $BUILD_DIR/openblas. OPENBLAS=0 skips these runs.
#
# First checks that the two implementations compute the same function (realnvp_pytorch.py
# --check on a dump of the C++ model), then prints medians over the rounds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-build-bench}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
STEPS="${STEPS:-2000}"
WARMUP="${WARMUP:-50}"
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-1 2}"
PYTHON="${PYTHON:-/usr/bin/python3}"
EXTRA="${EXTRA:-}"
PT_ENV="${PT_ENV:-}"
OPENBLAS="${OPENBLAS:-1}"
OPENBLAS_DIR="${OPENBLAS_DIR:-}"
BENCH="$BUILD_DIR/bench/bench_train_throughput"
PY="$ROOT/bench/realnvp_pytorch.py"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
RESULTS="$WORK/results.txt"

# shellcheck source=bench/compare_support.sh
source "$ROOT/bench/compare_support.sh"
build_bench bench_train_throughput
ensure_torch python3-torch python3-h5py

# OpenBLAS for the extra PyTorch runs, without touching the system's BLAS alternatives.
if [[ "$OPENBLAS" != 0 && -z "$OPENBLAS_DIR" ]]; then
  if [[ -f /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ]]; then
    OPENBLAS_DIR=/usr/lib/x86_64-linux-gnu/openblas-pthread
  else
    cache="$BUILD_DIR/openblas"
    lib="$cache/root/usr/lib/x86_64-linux-gnu/openblas-pthread"
    if [[ ! -f "$lib/libblas.so.3" ]]; then
      mkdir -p "$cache"
      (cd "$cache" && rm -f ./*.deb && apt-get download libopenblas0-pthread >/dev/null 2>&1 &&
        dpkg-deb -x libopenblas0-pthread_*.deb root) ||
        echo "# could not fetch libopenblas0-pthread: OpenBLAS runs skipped" >&2
    fi
    if [[ -f "$lib/libblas.so.3" ]]; then OPENBLAS_DIR="$lib"; fi
  fi
fi

print_machine "steps $STEPS after $WARMUP warm-up, $ROUNDS round(s), threads: $THREADS${EXTRA:+, flags: $EXTRA}${PT_ENV:+, PyTorch env: $PT_ENV}"
echo "# OpenBLAS runs: ${OPENBLAS_DIR:-none}"
print_load before

echo "# same-model check (parameters, initial loss, loss/gradient/inverse at the C++ weights):"
# shellcheck disable=SC2086
OMP_NUM_THREADS=1 "$BENCH" --steps 1 --samples 100 --sample-reps 1 $EXTRA --dump "$WORK/dump.txt" >/dev/null
"$PYTHON" "$PY" --check "$WORK/dump.txt" | sed 's/^/#   /'

for round in $(seq 1 "$ROUNDS"); do
  for t in $THREADS; do
    # shellcheck disable=SC2086
    OMP_NUM_THREADS="$t" "$BENCH" --steps "$STEPS" --warmup "$WARMUP" $EXTRA | tee -a "$RESULTS" | sed "s/^/# round $round: /"
    # The same training with the conditioners' passes in single precision (--train-precision).
    # shellcheck disable=SC2086
    OMP_NUM_THREADS="$t" "$BENCH" --steps "$STEPS" --warmup "$WARMUP" --train-precision float32 $EXTRA |
      tee -a "$RESULTS" | sed "s/^/# round $round: /"
    for blas in system ${OPENBLAS_DIR:+openblas}; do
      libs="${LD_LIBRARY_PATH:-}"
      if [[ "$blas" == openblas ]]; then libs="$OPENBLAS_DIR${libs:+:$libs}"; fi
      for dtype in float32 float64; do
        # shellcheck disable=SC2086
        env $PT_ENV OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" LD_LIBRARY_PATH="$libs" \
          "$PYTHON" "$PY" --threads "$t" --dtype "$dtype" --steps "$STEPS" --warmup "$WARMUP" $EXTRA |
          tee -a "$RESULTS" | sed "s/^/# round $round: /"
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
    # C++ runs with --train-precision float32 are the variant ("cpp", "f32train", "eigen").
    dtype = "f32train" if kv.get("train_precision") == "float32" else kv["dtype"]
    runs[(kv["impl"], dtype, kv.get("blas", "eigen"), int(kv["threads"]))].append(kv)


def med(variant, t, key):
    return statistics.median(float(r[key]) for r in runs[variant + (t,)])


threads = sorted({k[3] for k in runs})
cpp = ("cpp", "float64", "eigen")
pts = sorted({k[:3] for k in runs if k[0] == "pytorch"}, key=lambda v: (v[2] == "openblas", v[1]))
label = lambda v: f"PT {v[1].replace('float', 'f')} {v[2]}"
rounds = len(runs[cpp + (threads[0],)])
print()
for title, key in (("training steps/s", "steps_per_s"),
                   ("sampling draws/s (10^4 draws, one x)", "draws_per_s"),
                   ("sampling with log q from the same pass, draws/s", "sample_lp_per_s"),
                   ("log_prob evaluations/s (of those draws)", "log_prob_per_s")):
    print(f"{title}; ratio = C++ / PyTorch; median of {rounds} run(s)")
    print(f"{'threads':>7} {'C++ f64':>9}" + "".join(f" {label(v):>17} {'ratio':>6}" for v in pts))
    for t in threads:
        c = med(cpp, t, key)
        print(f"{t:>7} {c:>9.0f}" + "".join(f" {med(v, t, key):>17.0f} {c / med(v, t, key):>6.2f}" for v in pts))
    print()
cpp32 = ("cpp", "f32train", "eigen")
if runs[cpp32 + (threads[0],)]:
    print(f"training steps/s with --train-precision float32; ratio = C++ f32 / PyTorch; median of {rounds} run(s)")
    print(f"{'threads':>7} {'C++ f32':>9}" + "".join(f" {label(v):>17} {'ratio':>6}" for v in pts))
    for t in threads:
        c = med(cpp32, t, "steps_per_s")
        print(f"{t:>7} {c:>9.0f}" + "".join(f" {med(v, t, 'steps_per_s'):>17.0f} {c / med(v, t, 'steps_per_s'):>6.2f}" for v in pts))
    print()
# The C++ inference passes with the conditioners in single precision (sbi train --precision
# float32), against the same PyTorch runs.
for title, key in (("float32 sampling draws/s", "f32_draws_per_s"),
                   ("float32 log_prob evaluations/s", "f32_log_prob_per_s")):
    if key not in runs[cpp + (threads[0],)][0]:
        continue
    print(f"{title}; ratio = C++ f32 / PyTorch; median of {rounds} run(s)")
    print(f"{'threads':>7} {'C++ f32':>9}" + "".join(f" {label(v):>17} {'ratio':>6}" for v in pts))
    for t in threads:
        c = med(cpp, t, key)
        print(f"{t:>7} {c:>9.0f}" + "".join(f" {med(v, t, 'draws_per_s' if 'draws' in key else 'log_prob_per_s'):>17.0f} "
                                            f"{c / med(v, t, 'draws_per_s' if 'draws' in key else 'log_prob_per_s'):>6.2f}"
                                            for v in pts))
    print()
print("training loss, mean of the last 100 steps (median over runs):")
for t in threads:
    print(f"  threads {t}: C++ f64 {med(cpp, t, 'loss_last100'):.3f}" +
          (f"  C++ f32 training {med(cpp32, t, 'loss_last100'):.3f}" if runs[cpp32 + (t,)] else "") +
          "".join(f"  {label(v)} {med(v, t, 'loss_last100'):.3f}" for v in pts))
PYEOF
