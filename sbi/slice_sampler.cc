#include "sbi/slice_sampler.h"

#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/rng.h"

namespace sbi {

bool SliceSamplerOptions::is_valid(std::string* error) const {
  if (warmup < 0) return *error = "warmup must be >= 0", false;
  if (draws < 1) return *error = "draws must be >= 1", false;
  if (thin < 1) return *error = "thin must be >= 1", false;
  if (!(initial_width > 0) || !std::isfinite(initial_width)) return *error = "initial_width must be > 0", false;
  if (max_step_out < 0) return *error = "max_step_out must be >= 0", false;
  return true;
}

namespace {

// One univariate slice-sampling update of x[d] (Neal 2003, figs. 3 and 5). `log_p` is the
// log density at x and is updated. The level is log_p + log u = log_p - Exp(1).
void update_coordinate(const LogDensity& log_density, Eigen::VectorXd* x, Eigen::Index d, double width,
                       int max_step_out, core::Rng* rng, double* log_p, long* evaluations) {
  const double level = *log_p + std::log(rng->uniform());
  const double x0 = (*x)[d];
  const auto at = [&](double value) {
    (*x)[d] = value;
    ++*evaluations;
    const double lp = log_density(*x);
    return std::isnan(lp) ? -std::numeric_limits<double>::infinity() : lp;
  };
  // Stepping out: a bracket of `width` placed at random around x0, grown until both ends are
  // outside the slice (at most max_step_out widths in all, split at random between the sides).
  double left = x0 - width * rng->uniform();
  double right = left + width;
  long j = static_cast<long>(std::floor(max_step_out * rng->uniform()));
  long k = max_step_out - 1 - j;
  while (j-- > 0 && at(left) > level) left -= width;
  while (k-- > 0 && at(right) > level) right += width;
  // Shrinkage: draw in the bracket until the point is in the slice, shrinking towards x0.
  for (;;) {
    const double candidate = left + (right - left) * rng->uniform();
    const double lp = at(candidate);
    if (lp > level) {
      *log_p = lp;
      return;
    }
    if (candidate < x0) left = candidate; else right = candidate;
    if (right - left <= 1e-14 * (1.0 + std::abs(x0))) {  // the slice is (numerically) the point x0
      (*x)[d] = x0;
      return;
    }
  }
}

}  // namespace

McmcChains slice_sample(const LogDensity& log_density, const Eigen::MatrixXd& initial,
                         const SliceSamplerOptions& options) {
  core::check_valid(options, "slice_sample");
  core::check(initial.rows() >= 1 && initial.cols() >= 1, "slice_sample: no initial point");
  core::check(initial.allFinite(), "slice_sample: a NaN or infinite initial point");
  const Eigen::Index dim = initial.rows();
  const int num_chains = static_cast<int>(initial.cols());
  McmcChains out;
  out.draws.assign(static_cast<size_t>(num_chains), Eigen::MatrixXd(dim, options.draws));
  out.log_density.assign(static_cast<size_t>(num_chains), Eigen::VectorXd(options.draws));
  std::vector<Eigen::VectorXd> widths(static_cast<size_t>(num_chains));
  std::vector<long> evaluations(static_cast<size_t>(num_chains), 0);
  std::vector<std::string> errors(static_cast<size_t>(num_chains));

#pragma omp parallel for schedule(dynamic, 1)
  for (int c = 0; c < num_chains; ++c) {
    try {
      core::Rng rng(options.seed, static_cast<std::uint64_t>(c));
      Eigen::VectorXd x = initial.col(c);
      double log_p = log_density(x);
      ++evaluations[static_cast<size_t>(c)];
      core::check(std::isfinite(log_p), "slice_sample: the initial point of chain " + std::to_string(c) +
                                            " has log density " + std::to_string(log_p) +
                                            " (outside the support?)");
      Eigen::VectorXd width = Eigen::VectorXd::Constant(dim, options.initial_width);
      // Warm-up in two halves; after each, the width becomes twice the coordinate's sd.
      Eigen::VectorXd sum = Eigen::VectorXd::Zero(dim), sum_sq = Eigen::VectorXd::Zero(dim);
      long count = 0;
      const long half = options.warmup / 2;
      const long total = options.warmup + options.draws * options.thin;
      for (long step = 0; step < total; ++step) {
        for (Eigen::Index d = 0; d < dim; ++d)
          update_coordinate(log_density, &x, d, width[d], options.max_step_out, &rng, &log_p,
                            &evaluations[static_cast<size_t>(c)]);
        if (step < options.warmup) {
          sum += x;
          sum_sq += x.cwiseAbs2();
          ++count;
          if ((step + 1 == half || step + 1 == options.warmup) && count >= 10) {
            const Eigen::ArrayXd var =
                (sum_sq.array() - sum.array().square() / count) / static_cast<double>(count - 1);
            for (Eigen::Index d = 0; d < dim; ++d)
              if (var[d] > 0 && std::isfinite(var[d])) width[d] = 2.0 * std::sqrt(var[d]);
            sum.setZero();
            sum_sq.setZero();
            count = 0;
          }
          continue;
        }
        const long kept = step - options.warmup;
        if (kept % options.thin != 0) continue;
        out.draws[static_cast<size_t>(c)].col(kept / options.thin) = x;
        out.log_density[static_cast<size_t>(c)][kept / options.thin] = log_p;
      }
      widths[static_cast<size_t>(c)] = width;
    } catch (const std::exception& e) {
      errors[static_cast<size_t>(c)] = e.what();
    }
  }
  for (const std::string& e : errors)
    if (!e.empty()) throw core::Error(e);
  out.slice_widths = widths[0];
  for (long e : evaluations) out.evaluations += e;
  return out;
}

}  // namespace sbi
