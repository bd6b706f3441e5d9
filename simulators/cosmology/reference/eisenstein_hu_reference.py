#!/usr/bin/env python3
"""Reference values of the Eisenstein & Hu (1998) transfer functions.

Transcribed from the paper (Eisenstein & Hu 1998, ApJ 496, 605, "EH98"), equation by
equation, independently of the C++ code in simulators/cosmology/transfer.cc; plain python3
with the math module only. Run

    python3 simulators/cosmology/reference/eisenstein_hu_reference.py

and it prints the table pasted into tests/simulators/cosmology_transfer_test.cc.

Conventions where the paper is ambiguous, taken from the authors' tf_fit.c (as the C++ does):
the number of eq. 2 is used as 1 + z_eq; R at the drag epoch uses 1 + z_d; e is math.e.
Wavenumbers are in h/Mpc on input and converted to 1/Mpc (the paper's unit) inside.
"""
import math


def eh98_full(k_h_mpc, omega_m, omega_b, h, t_cmb):
    """EH98 Sec. 3: T(k) = (Ωb/Ωm) T_b + (Ωc/Ωm) T_c (eq. 16)."""
    k = k_h_mpc * h                            # 1/Mpc
    th = t_cmb / 2.7                           # Θ_2.7
    wm = omega_m * h ** 2                      # Ω0 h²
    wb = omega_b * h ** 2                      # Ωb h²
    fb = omega_b / omega_m
    fc = (omega_m - omega_b) / omega_m

    one_plus_zeq = 2.50e4 * wm * th ** -4                      # eq. 2
    keq = 7.46e-2 * wm * th ** -2                              # eq. 3 [1/Mpc]
    b1 = 0.313 * wm ** -0.419 * (1.0 + 0.607 * wm ** 0.674)    # eq. 4
    b2 = 0.238 * wm ** 0.223
    zd = 1291.0 * wm ** 0.251 / (1.0 + 0.659 * wm ** 0.828) * (1.0 + b1 * wb ** b2)

    def R(one_plus_z):                                         # eq. 5
        return 31.5 * wb * th ** -4 / (one_plus_z / 1.0e3)
    Rd, Req = R(1.0 + zd), R(one_plus_zeq)
    s = (2.0 / (3.0 * keq) * math.sqrt(6.0 / Req) *            # eq. 6 [Mpc]
         math.log((math.sqrt(1.0 + Rd) + math.sqrt(Rd + Req)) / (1.0 + math.sqrt(Req))))
    ksilk = 1.6 * wb ** 0.52 * wm ** 0.73 * (1.0 + (10.4 * wm) ** -0.95)   # eq. 7

    q = k / (13.41 * keq)                                      # eq. 10

    a1 = (46.9 * wm) ** 0.670 * (1.0 + (32.1 * wm) ** -0.532)  # eq. 11
    a2 = (12.0 * wm) ** 0.424 * (1.0 + (45.0 * wm) ** -0.582)
    alpha_c = a1 ** (-fb) * a2 ** (-(fb ** 3))
    bb1 = 0.944 / (1.0 + (458.0 * wm) ** -0.708)               # eq. 12
    bb2 = (0.395 * wm) ** -0.0266
    beta_c = 1.0 / (1.0 + bb1 * (fc ** bb2 - 1.0))

    def T0tilde(alpha, beta):                                  # eqs. 19-20
        C = 14.2 / alpha + 386.0 / (1.0 + 69.9 * q ** 1.08)
        L = math.log(math.e + 1.8 * beta * q)
        return L / (L + C * q * q)

    f = 1.0 / (1.0 + (k * s / 5.4) ** 4)                      # eq. 18
    Tc = f * T0tilde(1.0, beta_c) + (1.0 - f) * T0tilde(alpha_c, beta_c)   # eq. 17

    y = one_plus_zeq / (1.0 + zd)                              # eq. 15
    G = y * (-6.0 * math.sqrt(1.0 + y) +
             (2.0 + 3.0 * y) * math.log((math.sqrt(1.0 + y) + 1.0) / (math.sqrt(1.0 + y) - 1.0)))
    alpha_b = 2.07 * keq * s * (1.0 + Rd) ** -0.75 * G         # eq. 14
    beta_node = 8.41 * wm ** 0.435                             # eq. 23
    beta_b = 0.5 + fb + (3.0 - 2.0 * fb) * math.sqrt((17.2 * wm) ** 2 + 1.0)   # eq. 24
    s_tilde = s / (1.0 + (beta_node / (k * s)) ** 3) ** (1.0 / 3.0)           # eq. 22
    x = k * s_tilde
    j0 = math.sin(x) / x
    Tb = (T0tilde(1.0, 1.0) / (1.0 + (k * s / 5.2) ** 2) +     # eq. 21
          alpha_b / (1.0 + (beta_b / (k * s)) ** 3) * math.exp(-(k / ksilk) ** 1.4)) * j0
    return fb * Tb + fc * Tc


def eh98_no_wiggle(k_h_mpc, omega_m, omega_b, h, t_cmb):
    """EH98 Sec. 4.2, eqs. 26-31: the zero-baryon shape with baryon suppression."""
    th = t_cmb / 2.7
    wm = omega_m * h ** 2
    wb = omega_b * h ** 2
    fb = omega_b / omega_m
    s = 44.5 * math.log(9.83 / wm) / math.sqrt(1.0 + 10.0 * wb ** 0.75)      # eq. 26 [Mpc]
    alpha_gamma = (1.0 - 0.328 * math.log(431.0 * wm) * fb +                 # eq. 31
                   0.38 * math.log(22.3 * wm) * fb ** 2)
    k = k_h_mpc * h                                                           # 1/Mpc
    gamma_eff = omega_m * h * (alpha_gamma +                                  # eq. 30
                               (1.0 - alpha_gamma) / (1.0 + (0.43 * k * s) ** 4))
    q = k_h_mpc * th ** 2 / gamma_eff                                         # eq. 28
    L0 = math.log(2.0 * math.e + 1.8 * q)                                     # eq. 29
    C0 = 14.2 + 731.0 / (1.0 + 62.5 * q)
    return L0 / (L0 + C0 * q * q)


# (Ωm, Ωb, h, T_cmb): the defaults, a baryon-rich model, a low-density model, a cold CMB.
COSMOLOGIES = [
    (0.3, 0.05, 0.7, 2.725),
    (0.25, 0.08, 0.6, 2.725),
    (0.15, 0.02, 0.8, 2.725),
    (0.35, 0.045, 0.67, 2.5),
]
KS = [1e-4, 1e-3, 0.01, 0.05, 0.1, 0.2, 0.5, 1.0, 5.0, 50.0]   # h/Mpc

if __name__ == "__main__":
    for om, ob, h, t in COSMOLOGIES:
        for k in KS:
            print("    {%.3f, %.3f, %.3f, %.3f, %.0e, %.16e, %.16e}," % (
                om, ob, h, t, k, eh98_full(k, om, ob, h, t), eh98_no_wiggle(k, om, ob, h, t)))
