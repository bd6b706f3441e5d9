# What the comparison scripts share: the PyTorch ones (compare_pytorch.sh,
# compare_pytorch_cnn.sh) source it after they set ROOT, BUILD_DIR (absolute), WORK (a scratch
# folder) and PYTHON, which the functions below use; compare_native.sh and
# compare_diagnose.sh source it for `median` alone. Sourcing runs nothing.

# Configures $BUILD_DIR if needed and builds the bench program $1 (cmake --build is a no-op
# when it is up to date); the build's output only on failure.
build_bench() {
  if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >"$WORK/build.log" 2>&1 ||
      { cat "$WORK/build.log" >&2; exit 1; }
  fi
  cmake --build "$BUILD_DIR" --target "$1" -j2 >"$WORK/build.log" 2>&1 ||
    { cat "$WORK/build.log" >&2; exit 1; }
}

# Installs the Debian packages $@ (python3-torch, ...) when $PYTHON cannot import torch.
ensure_torch() {
  if ! "$PYTHON" -c "import torch" 2>/dev/null; then
    echo "# torch missing for $PYTHON: apt-get install -y $*" >&2
    apt-get install -y "$@" >/dev/null
  fi
}

# "# <time>  <arch>  <cores>  <cpu model>", then the torch version and the settings line $1.
print_machine() {
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(uname -m)  $(nproc) cores  $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "# torch $("$PYTHON" -c 'import torch; print(torch.__version__)'), $1"
}

print_load() {  # $1: before or after
  echo "# load $1: $(uptime | sed 's/.*load average/load average/')"
}

# The median of the numbers $@ (the mean of the middle two for an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
