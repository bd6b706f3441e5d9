#!/usr/bin/env bash
# Fails when an x86-64 binary uses AVX-512: zmm registers, opmask registers or the upper
# sixteen xmm/ymm registers (EVEX-only), which a default (x86-64-v3) build must not contain.
#
#   bash scripts/check_portable.sh BINARY
set -euo pipefail
binary=$1
count=$(objdump -d --no-show-raw-insn "$binary" |
        grep -cE '%zmm[0-9]|%k[1-7]|%[xy]mm(1[6-9]|2[0-9]|3[01])\b' || true)
if [ "$count" -ne 0 ]; then
  echo "check_portable: $binary has $count AVX-512 instructions (configure without -DSBI_NATIVE=ON)" >&2
  objdump -d --no-show-raw-insn "$binary" |
    grep -m5 -E '%zmm[0-9]|%k[1-7]|%[xy]mm(1[6-9]|2[0-9]|3[01])\b' >&2 || true
  exit 1
fi
echo "check_portable: $binary has no AVX-512 instructions"
