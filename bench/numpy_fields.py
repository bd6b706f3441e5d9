#!/usr/bin/env python3
"""The Gaussian-field generation of bench_cosmo_fields, written as a numpy user would:
white noise (numpy's Generator.standard_normal, a ziggurat like the C++ one) -> rfft2 ->
multiply by sqrt(P(|k|) / (V N)) -> irfft2, on an n x n grid of side 5 degrees with
P(ell) = 1e-9 (ell / 1000)^-1.2 and P = 0 at k = 0, exactly as bench/bench_cosmo_fields.cc.
numpy.fft (pocketfft) runs on one thread. Prints one line: `numpy: <maps/s> maps/s ...`.

  numpy_fields.py [--n 256] [--maps 400] [--repeats 3] [--check]
--check compares the variance of the generated maps with sum_k P / V (the field's
definition), to show the numpy version computes the same field.
"""
import argparse
import time

import numpy as np


def amplitude(n, side):
    kf = 2 * np.pi / side
    i = np.fft.fftfreq(n, d=1.0 / n)           # signed integer frequencies
    j = np.arange(n // 2 + 1)
    k = kf * np.sqrt(i[:, None] ** 2 + j[None, :] ** 2)
    p = np.zeros_like(k)
    nz = k > 0
    p[nz] = 1e-9 * (k[nz] / 1000.0) ** -1.2
    volume, cells = side * side, n * n
    return np.sqrt(p / (volume * cells)), p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--maps", type=int, default=400)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    side = 5.0 * np.pi / 180
    amp, p = amplitude(a.n, side)
    rng = np.random.default_rng(1)
    best = float("inf")
    field = None
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        for _ in range(a.maps):
            w = rng.standard_normal((a.n, a.n))
            field = np.fft.irfft2(np.fft.rfft2(w) * amp, s=(a.n, a.n)) * (a.n * a.n)
        best = min(best, time.perf_counter() - t0)
    line = f"numpy: {a.maps / best:.0f} maps/s ({1e3 * best / a.maps:.3f} ms per map), numpy {np.__version__}"
    if a.check:
        # irfft2 divides by N; the C++ inverse is unnormalised, hence * N above.
        mult = np.full(p.shape, 2.0)
        mult[:, 0] = 1
        mult[:, -1] = 1
        expected = (mult * p).sum() / (side * side)
        maps = [np.fft.irfft2(np.fft.rfft2(rng.standard_normal((a.n, a.n))) * amp, s=(a.n, a.n)) * a.n * a.n
                for _ in range(50)]
        line += f"; variance {np.mean([m.var() for m in maps]):.4e} (expected {expected:.4e})"
    print(line, flush=True)


if __name__ == "__main__":
    main()
