// Gauss–Legendre nodes and weights on [-1, 1], positive half (the rule is symmetric:
// ∫_{-1}^{1} f ≈ Σ_i w_i (f(-x_i) + f(x_i))). Shared by the cosmology quadratures.
#pragma once

namespace sbi::simulators::cosmology::gauss_legendre {

// 8 points (exact for polynomials of degree 15).
constexpr int kHalf8 = 4;
constexpr double kX8[kHalf8] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267,
                                0.9602898564975363};
constexpr double kW8[kHalf8] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745,
                                0.1012285362903763};

// 10 points (exact for polynomials of degree 19).
constexpr int kHalf10 = 5;
constexpr double kX10[kHalf10] = {0.1488743389816312, 0.4333953941292472, 0.6794095682990244,
                                  0.8650633666889845, 0.9739065285171717};
constexpr double kW10[kHalf10] = {0.2955242247147529, 0.2692667193099963, 0.2190863625159820,
                                  0.1494513491505806, 0.0666713443086881};

}  // namespace sbi::simulators::cosmology::gauss_legendre
