#include "simulators/cosmology/growth.h"

#include <array>
#include <boost/numeric/odeint.hpp>
#include <cmath>

#include "core/error.h"

namespace sbi::simulators::cosmology {

bool GrowthOptions::is_valid(std::string* error) const {
  auto fail = [&](const std::string& what) {
    if (error) *error = "GrowthOptions::" + what;
    return false;
  };
  if (!(a_initial > 0 && a_initial <= 1e-2))
    return fail("a_initial = " + std::to_string(a_initial) + " must be in (0, 1e-2]");
  if (!(step > 0 && step <= 0.5)) return fail("step = " + std::to_string(step) + " must be in (0, 0.5]");
  if (!(tolerance > 0 && tolerance <= 1e-4))
    return fail("tolerance = " + std::to_string(tolerance) + " must be in (0, 1e-4]");
  return true;
}

Growth::Growth(const Background& background, const GrowthOptions& options) : options_(options) {
  core::check_valid(options, "Growth");
  namespace odeint = boost::numeric::odeint;
  using State = std::array<double, 2>;  // (ln D, f)

  log_a0_ = std::log(options.a_initial);
  const int intervals = static_cast<int>(std::ceil(-log_a0_ / options.step));
  step_ = -log_a0_ / intervals;
  std::vector<double> times(intervals + 1);
  for (int i = 0; i <= intervals; ++i) times[i] = log_a0_ + i * step_;
  times[intervals] = 0.0;

  auto system = [&background](const State& y, State& dy, double log_a) {
    const double a = std::exp(log_a);
    const double f = y[1];
    dy[0] = f;
    dy[1] = -f * f - (2.0 + background.dlne_dlna(a)) * f + 1.5 * background.omega_m_of_a(a);
  };
  log_d_.reserve(intervals + 1);
  f_.reserve(intervals + 1);
  State y = {log_a0_, 1.0};
  odeint::integrate_times(
      odeint::make_dense_output(options.tolerance, options.tolerance,
                                odeint::runge_kutta_dopri5<State>()),
      system, y, times.begin(), times.end(), 0.1 * step_, [this](const State& s, double) {
        log_d_.push_back(s[0]);
        f_.push_back(s[1]);
      });
  core::check(static_cast<int>(log_d_.size()) == intervals + 1 && std::isfinite(log_d_.back()),
              "Growth: the growth ODE integration failed");
  log_d_today_ = log_d_.back();
}

double Growth::log_d(double a, double* slope) const {
  if (!(std::isfinite(a) && a > 0 && a <= 1))
    throw core::Error("Growth: scale factor a = " + std::to_string(a) + " must be in (0, 1]");
  const double x = std::log(a);
  if (x <= log_a0_) {  // matter domination: D = a
    if (slope) *slope = 1.0;
    return x;
  }
  const int last = static_cast<int>(log_d_.size()) - 1;
  int i = static_cast<int>((x - log_a0_) / step_);
  if (i >= last) i = last - 1;
  const double t = (x - (log_a0_ + i * step_)) / step_;
  const double y0 = log_d_[i], y1 = log_d_[i + 1];
  const double m0 = f_[i] * step_, m1 = f_[i + 1] * step_;
  const double t2 = t * t, t3 = t2 * t;
  if (slope) {
    *slope = ((6 * t2 - 6 * t) * y0 + (3 * t2 - 4 * t + 1) * m0 + (-6 * t2 + 6 * t) * y1 +
              (3 * t2 - 2 * t) * m1) / step_;
  }
  return (2 * t3 - 3 * t2 + 1) * y0 + (t3 - 2 * t2 + t) * m0 + (-2 * t3 + 3 * t2) * y1 +
         (t3 - t2) * m1;
}

double Growth::unnormalised(double a) const { return std::exp(log_d(a, nullptr)); }

double Growth::normalised(double a) const { return std::exp(log_d(a, nullptr) - log_d_today_); }

double Growth::growth_rate(double a) const {
  double f = 0;
  log_d(a, &f);
  return f;
}

}  // namespace sbi::simulators::cosmology
