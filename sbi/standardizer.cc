#include "sbi/standardizer.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"

namespace sbi {
namespace {

// std = 1 for a (numerically) constant quantity.
double guarded_std(double std, double mean) {
  return std > 1e-12 * std::max(1.0, std::abs(mean)) ? std : 1.0;
}

Standardizer fit_tied(const Eigen::MatrixXd& columns, const SetLayout& layout) {
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
    const size_t mid = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + mid, v.end());
    const double median = v[mid];
    for (double& e : v) e = std::abs(e - median);
    std::nth_element(v.begin(), v.begin() + mid, v.end());
    const double scale = guarded_std(1.482602218505602 * v[mid], median);
    for (int j = 0; j < layout.set_size; ++j) {
      s.mean[j * w + k] = median;
      s.std[j * w + k] = scale;
    }
  }
  return s;
}

}  // namespace

Standardizer Standardizer::fit(const Eigen::MatrixXd& columns, const SetLayout& tying) {
  if (tying.is_set()) return fit_tied(columns, tying);
  core::check(columns.cols() >= 2, "Standardizer::fit: need at least 2 samples, got " +
                                       std::to_string(columns.cols()));
  Standardizer s;
  s.mean = columns.rowwise().mean();
  s.std = ((columns.colwise() - s.mean).array().square().rowwise().sum() / (columns.cols() - 1))
              .sqrt();
  for (Eigen::Index i = 0; i < s.std.size(); ++i) s.std[i] = guarded_std(s.std[i], s.mean[i]);
  return s;
}

Standardizer Standardizer::identity(int dim) {
  return {Eigen::VectorXd::Zero(dim), Eigen::VectorXd::Ones(dim)};
}

}  // namespace sbi
