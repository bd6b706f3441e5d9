#include "sbi/standardizer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "core/row_moments.h"
#include "core/error.h"

namespace sbi {
namespace {

// "x feature 3 (x_3)": the quantity, the index and, when known, the name.
std::string feature_label(const FeatureNames& names, Eigen::Index i) {
  std::string label = names.quantity + " feature " + std::to_string(i);
  if (i < static_cast<Eigen::Index>(names.names.size())) label += " (" + names.names[i] + ")";
  return label;
}

// A power of two near max |values| (1 when all are 0). Dividing by it is exact, so the
// statistics of values / scale times scale equal those of the values wherever the latter
// are representable, and neither squares of 1e300 overflow nor squares of 1e-300 underflow.
double power_of_two_scale(double max_abs) {
  return max_abs > 0 ? std::ldexp(1.0, std::ilogb(max_abs)) : 1.0;
}

// unit * std, or 1 for a (numerically) constant quantity: a spread below 1e-12 of the largest
// magnitude (relative, so that z-scoring stays scale invariant: x and 1e300 x give the same
// standardised data). std and max_abs are in units of `unit`.
double guarded_std(double std, double max_abs, double unit) {
  return std > 1e-12 * max_abs ? unit * std : 1.0;
}

// Statistics that are not finite (values near the largest double, whose spread overflows)
// would silently zero the feature; refuse them, naming it.
void check_statistics(double center, double scale, double max_abs, const std::string& label) {
  if (std::isfinite(center) && std::isfinite(scale) && scale > 0) return;
  char numbers[120];
  std::snprintf(numbers, sizeof numbers, "centre %g, scale %g, largest |value| %g", center, scale,
                max_abs);
  throw core::Error("Standardizer::fit: " + label + " has non-finite standardisation statistics (" +
                    numbers + "): its values are too large to standardise in double precision; "
                    "rescale the data (e.g. change its units or take a logarithm)");
}

// `item`: what an index counts ("sample", or "present row" for pooled set rows).
void check_finite(const Eigen::Ref<const Eigen::RowVectorXd>& values, const std::string& label,
                  const char* item) {
  for (Eigen::Index j = 0; j < values.size(); ++j)
    if (!std::isfinite(values[j]))
      throw core::Error("Standardizer::fit: " + label + " has " +
                        (std::isnan(values[j]) ? "NaN" : "Inf") + " in " + item + " " +
                        std::to_string(j) + "; drop or fix the non-finite simulations");
}

Standardizer fit_tied(const Eigen::MatrixXd& columns, const core::DataShape& layout,
                      const FeatureNames& names) {
  core::check(columns.rows() == layout.flat_dim(),
              "Standardizer::fit: x has " + std::to_string(columns.rows()) +
                  " dimensions, but the set layout has " + std::to_string(layout.set_size) +
                  " rows of " + std::to_string(layout.row_width()));
  const int w = layout.row_width(), f = layout.features;
  std::vector<std::vector<double>> values(f);
  for (Eigen::Index i = 0; i < columns.cols(); ++i)
    for (int j = 0; j < layout.set_size; ++j) {
      if (layout.masked && columns(j * w + f, i) != 1.0) continue;
      for (int k = 0; k < f; ++k) values[k].push_back(columns(j * w + k, i));
    }
  core::check(values[0].size() >= 2, "Standardizer::fit: need at least 2 present rows, got " +
                                          std::to_string(values[0].size()));
  Standardizer s = Standardizer::identity(layout.flat_dim());
  for (int k = 0; k < f; ++k) {
    std::vector<double>& v = values[k];
    const std::string label = feature_label(names, k);
    check_finite(Eigen::Map<const Eigen::RowVectorXd>(v.data(), v.size()), label, "present row");
    double max_abs = 0;
    for (double e : v) max_abs = std::max(max_abs, std::abs(e));
    const double unit = power_of_two_scale(max_abs);
    for (double& e : v) e /= unit;
    const size_t mid = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + mid, v.end());
    const double median = v[mid];
    for (double& e : v) e = std::abs(e - median);
    std::nth_element(v.begin(), v.begin() + mid, v.end());
    const double scale = guarded_std(1.482602218505602 * v[mid], max_abs / unit, unit);
    check_statistics(unit * median, scale, max_abs, label);
    for (int j = 0; j < layout.set_size; ++j) {
      s.mean[j * w + k] = unit * median;
      s.std[j * w + k] = scale;
    }
  }
  return s;
}

// One channel's centre and scale: mean and std of its pixels over the samples. `block` is
// the channel's rows (pixels) x samples, a view of the whole channel or of its unmasked rows.
template <typename Block>
std::pair<double, double> channel_statistics(const Block& block, const std::string& label) {
  for (Eigen::Index i = 0; i < block.cols(); ++i)
    check_finite(block.col(i).transpose(), label, "pixel");
  const double max_abs = block.cwiseAbs().maxCoeff();
  const double unit = power_of_two_scale(max_abs);
  const Eigen::ArrayXXd u = block.array() / unit;
  const double mean = u.mean();
  const double std = std::sqrt((u - mean).square().sum() / static_cast<double>(u.size() - 1));
  const double center = unit * mean, scale = guarded_std(std, max_abs / unit, unit);
  check_statistics(center, scale, max_abs, label);
  return {center, scale};
}

// Images: one mean and std per channel, pooled over its pixels and the samples (never per
// pixel: a pixel's statistics depend on where the sources happened to fall in the training
// set, and per-pixel scaling would amplify noise in empty corners). With a mask, over the
// unmasked pixels only; a channel masked entirely keeps mean 0 and std 1.
Standardizer fit_image(const Eigen::MatrixXd& columns, const core::DataShape& shape,
                       const FeatureNames& names, const Standardizer::Mask& mask) {
  core::check(columns.rows() == shape.flat_dim(),
              "Standardizer::fit: x has " + std::to_string(columns.rows()) +
                  " dimensions, but the data shape is " + shape.describe());
  core::check(columns.cols() >= 1, "Standardizer::fit: need at least 1 image");
  const Eigen::Index pixels = static_cast<Eigen::Index>(shape.height) * shape.width;
  Standardizer s = Standardizer::identity(shape.flat_dim());
  for (int c = 0; c < shape.channels; ++c) {
    const std::string label = names.quantity + " channel " + std::to_string(c);
    std::pair<double, double> stats;
    if (mask.size() == 0) {
      stats = channel_statistics(columns.middleRows(c * pixels, pixels), label);
    } else {
      std::vector<Eigen::Index> used;
      for (Eigen::Index p = c * pixels; p < (c + 1) * pixels; ++p)
        if (mask[p]) used.push_back(p);
      if (used.empty()) continue;
      stats = channel_statistics(columns(used, Eigen::all), label);
    }
    s.mean.segment(c * pixels, pixels).setConstant(stats.first);
    s.std.segment(c * pixels, pixels).setConstant(stats.second);
  }
  return s;
}

// A mask must fit x and leave something; sets are masked by their presence flags instead.
void check_mask(const Standardizer::Mask& mask, Eigen::Index dim, const core::DataShape& tying) {
  core::check(!tying.is_set(), "Standardizer::fit: a mask applies to vectors and images, not to " +
                                   tying.describe() +
                                   " (the rows of a set are masked by their presence flags)");
  core::check(mask.size() == dim, "Standardizer::fit: the mask has " + std::to_string(mask.size()) +
                                      " entries, but x has " + std::to_string(dim) + " dimensions");
  core::check(mask.any(), "Standardizer::fit: the mask leaves no dimension of x to use");
}

// fit() for an already checked mask (empty for none), by the kind of data.
Standardizer fit_by_shape(const Eigen::MatrixXd& columns, const core::DataShape& tying,
                          const FeatureNames& names, const Standardizer::Mask& mask) {
  if (tying.is_set()) return fit_tied(columns, tying, names);
  if (tying.is_image()) return fit_image(columns, tying, names, mask);
  core::check(columns.cols() >= 2, "Standardizer::fit: need at least 2 samples, got " +
                                       std::to_string(columns.cols()));
  auto masked = [&](Eigen::Index i) { return mask.size() > 0 && !mask[i]; };
  Eigen::VectorXd unit(columns.rows()), max_abs(columns.rows());
  for (Eigen::Index i = 0; i < columns.rows(); ++i) {
    if (masked(i)) {  // never looked at: its statistics are replaced below
      max_abs[i] = 0;
      unit[i] = 1;
      continue;
    }
    check_finite(columns.row(i), feature_label(names, i), "sample");
    max_abs[i] = columns.row(i).cwiseAbs().maxCoeff();
    unit[i] = power_of_two_scale(max_abs[i]);
  }
  // Statistics of the exactly rescaled rows, scaled back (the same reductions as unscaled).
  const Eigen::MatrixXd u = (columns.array().colwise() / unit.array()).matrix();
  const core::RowMoments moments = core::row_moments(u);
  const Eigen::VectorXd &mean = moments.mean, &std = moments.sd;
  Standardizer s;
  s.mean = unit.cwiseProduct(mean);
  s.std.resize(columns.rows());
  for (Eigen::Index i = 0; i < columns.rows(); ++i) {
    if (masked(i)) {
      s.mean[i] = 0;
      s.std[i] = 1;
      continue;
    }
    s.std[i] = guarded_std(std[i], max_abs[i] / unit[i], unit[i]);
    check_statistics(s.mean[i], s.std[i], max_abs[i], feature_label(names, i));
  }
  return s;
}

}  // namespace

Standardizer Standardizer::fit(const Eigen::MatrixXd& columns, const core::DataShape& tying,
                               const FeatureNames& names, const Mask& mask) {
  if (mask.size() > 0) check_mask(mask, columns.rows(), tying);
  Standardizer s = fit_by_shape(columns, tying, names, mask);
  s.mask = mask;
  return s;
}

Eigen::MatrixXd Standardizer::apply(const Eigen::MatrixXd& v) const {
  Eigen::MatrixXd u = (v.colwise() - mean).array().colwise() / std.array();
  for (Eigen::Index i = 0; i < mask.size(); ++i)
    if (!mask[i]) u.row(i).setZero();
  return u;
}

Standardizer Standardizer::identity(int dim) {
  return {Eigen::VectorXd::Zero(dim), Eigen::VectorXd::Ones(dim), Mask()};
}

}  // namespace sbi
