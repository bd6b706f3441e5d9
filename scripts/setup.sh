#!/usr/bin/env bash
# Installs the Debian packages the toolkit needs (when run as root and any is missing),
# then configures and builds it in ./build. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake make libeigen3-dev libboost-dev libhdf5-dev hdf5-tools libceres-dev
          libfftw3-dev libgtest-dev netcdf-bin python3-h5py python3-netcdf4 python3-xarray)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || true
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >&2
