#include "simulators/lensing/sersic.h"

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>

#include "simulators/lensing/sersic_impl.h"

namespace sbi::simulators::lensing {
namespace {

constexpr double kMaxIndex = 20;  // b_n ~ 2n: e^(b_n) stays far from overflow

void check_index(double n) {
  sersic_detail::check_parameter(std::isfinite(n) && n > 0 && n <= kMaxIndex, "n", n,
                                 "in (0, 20]");
}

}  // namespace

double sersic_b(double n) {
  check_index(n);
  return boost::math::gamma_p_inv(2 * n, 0.5);
}

double sersic_b_derivative(double n) {
  check_index(n);
  const double a = 2 * n, x = sersic_b(n), log_x = std::log(x);
  // ∂P/∂a = Σ_k t_k (ln x - ψ(a + k + 1)), t_k = e^(-x) x^(a+k) / Γ(a+k+1): every factor
  // ln x - ψ(a+k+1) is negative (x = b_n < a, and ψ(a+1) > ln(a + 1/2)), so the terms add
  // without cancellation. t_{k+1} / t_k = x / (a + k + 1) < 1; stop once a term adds less
  // than 1e-17 of the sum (for n = 20, after ~60 terms).
  double t = std::exp(a * log_x - x - boost::math::lgamma(a + 1));
  double dp_da = 0;
  for (int k = 0; k < 10000; ++k) {
    const double term = t * (log_x - boost::math::digamma(a + k + 1));
    dp_da += term;
    if (std::fabs(term) < 1e-17 * std::fabs(dp_da)) break;
    t *= x / (a + k + 1);
  }
  return -2 * dp_da / boost::math::gamma_p_derivative(a, x);
}

template class SersicT<double>;

}  // namespace sbi::simulators::lensing
