#!/usr/bin/env bash
# Fails when an x86-64 binary uses AVX-512: zmm registers, opmask registers or the upper
# sixteen xmm/ymm registers (EVEX-only), which a default (x86-64-v3) build must not contain
# outside the functions of the namespaces sbi::nn::detail::avx512 (nn/detail/gemm_avx512.cc)
# and sbi::simulators::lensing::detail::avx512 (simulators/lensing/detail/kernels_avx512.cc):
# built for AVX-512 by function attributes and called only where the CPU has it.
#
#   bash scripts/check_portable.sh BINARY
set -euo pipefail
binary=$1
disassembly=$(objdump -d -C --no-show-raw-insn "$binary")
# The namespaces allowed to hold AVX-512 code, each required to hold some.
dispatched=(sbi::nn::detail::avx512 sbi::simulators::lensing::detail::avx512)
pattern="($(IFS='|'; echo "${dispatched[*]}"))::"
# The disassembly without the functions of those namespaces (a function starts at its
# "<name>:" line and runs to the next one).
outside_kernels() {
  awk -v pattern="$pattern" '/^[0-9a-f]+ <.*>:$/ { inside = match($0, pattern) > 0 } !inside' <<<"$disassembly"
}
for namespace in "${dispatched[@]}"; do
  if ! grep -qE "^[0-9a-f]+ <.*$namespace::.*>:\$" <<<"$disassembly"; then
    echo "check_portable: $binary has no $namespace function: has the kernel moved?" >&2
    exit 1
  fi
done
kernels=$(grep -cE "^[0-9a-f]+ <.*$pattern.*>:\$" <<<"$disassembly" || true)
count=$(outside_kernels | grep -cE '%zmm[0-9]|%k[1-7]|%[xy]mm(1[6-9]|2[0-9]|3[01])\b' || true)
if [ "$count" -ne 0 ]; then
  echo "check_portable: $binary has $count AVX-512 instructions (configure without -DSBI_NATIVE=ON)" >&2
  outside_kernels |
    grep -m5 -E '%zmm[0-9]|%k[1-7]|%[xy]mm(1[6-9]|2[0-9]|3[01])\b' >&2 || true
  exit 1
fi
echo "check_portable: $binary has no AVX-512 instructions outside the $kernels dispatched kernel functions"
