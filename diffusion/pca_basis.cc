#include "diffusion/pca_basis.h"

#include <algorithm>
#include <cmath>
#include <string>

#include <Eigen/Eigenvalues>

#include "core/error.h"

namespace sbi::diffusion {

PcaBasis PcaBasis::fit(const Matrix& x, int max_components, double variance_fraction) {
  core::check(x.cols() >= 2 && x.rows() >= 1,
              "PcaBasis::fit: needs at least 2 samples of at least 1 entry, got " +
                  std::to_string(x.cols()) + " of " + std::to_string(x.rows()));
  core::check(x.allFinite(), "PcaBasis::fit: the data have a NaN or infinite entry");
  core::check(max_components >= 1, "PcaBasis::fit: max_components must be >= 1, got " +
                                        std::to_string(max_components));
  core::check(variance_fraction > 0 && variance_fraction <= 1,
              "PcaBasis::fit: variance_fraction must be in (0, 1], got " + std::to_string(variance_fraction));
  PcaBasis b;
  b.mean = x.rowwise().mean();
  const Matrix centred = x.colwise() - b.mean;
  Matrix covariance = Matrix::Zero(x.rows(), x.rows());
  covariance.selfadjointView<Eigen::Lower>().rankUpdate(centred, 1.0 / static_cast<double>(x.cols() - 1));
  Eigen::SelfAdjointEigenSolver<Matrix> eigen(covariance.selfadjointView<Eigen::Lower>());
  core::check(eigen.info() == Eigen::Success, "PcaBasis::fit: the eigendecomposition failed");
  const Vector lambda = eigen.eigenvalues().reverse();  // decreasing
  b.total_variance = lambda.cwiseMax(0.0).sum();
  core::check(b.total_variance > 0, "PcaBasis::fit: the data do not vary (every sample is the same)");
  int k = 0;
  double kept = 0;
  const int limit = std::min<int>(max_components, static_cast<int>(lambda.size()));
  while (k < limit && lambda[k] > 1e-12 * b.total_variance &&
         kept < variance_fraction * b.total_variance * (1 - 1e-12)) {
    kept += lambda[k];
    ++k;
  }
  b.variances = lambda.head(k);
  b.components = eigen.eigenvectors().rowwise().reverse().leftCols(k);
  // A sign convention, so that a basis is the same on every machine: each component's
  // largest entry is positive.
  for (int j = 0; j < k; ++j) {
    Eigen::Index at = 0;
    b.components.col(j).cwiseAbs().maxCoeff(&at);
    if (b.components(at, j) < 0) b.components.col(j) *= -1;
  }
  return b;
}

Matrix PcaBasis::encode(const Matrix& x) const {
  core::check(x.rows() == dim(), "PcaBasis::encode: samples of " + std::to_string(x.rows()) +
                                     " entries, the basis is of " + std::to_string(dim()));
  Matrix w = components.transpose() * (x.colwise() - mean);
  w.array().colwise() /= variances.array().sqrt();
  return w;
}

Matrix PcaBasis::decode(const Matrix& w) const {
  core::check(w.rows() == size(), "PcaBasis::decode: coefficients of " + std::to_string(w.rows()) +
                                      " entries, the basis has " + std::to_string(size()));
  return (components * (variances.array().sqrt().matrix().asDiagonal() * w)).colwise() + mean;
}

LinearObservation PcaBasis::in_coefficients(const LinearObservation& pixels) const {
  core::check(pixels.forward.cols() == dim(),
              "PcaBasis::in_coefficients: A has " + std::to_string(pixels.forward.cols()) +
                  " columns, the images " + std::to_string(dim()) + " pixels");
  LinearObservation w;
  const Matrix scaled = components * variances.array().sqrt().matrix().asDiagonal();
  w.forward = Matrix(pixels.forward * scaled).sparseView();
  w.y = pixels.y - pixels.forward * mean;
  w.sigma = pixels.sigma;
  return w;
}

void PcaBasis::check(const std::string& what) const {
  const Eigen::Index d = mean.size(), k = variances.size();
  core::check(d >= 1 && k >= 1 && components.rows() == d && components.cols() == k,
              what + ": the basis is " + std::to_string(components.rows()) + " x " +
                  std::to_string(components.cols()) + " for a mean of " + std::to_string(d) +
                  " entries and " + std::to_string(k) + " variances");
  core::check(mean.allFinite() && components.allFinite() && variances.allFinite() &&
                  std::isfinite(total_variance),
              what + ": the basis has a NaN or infinite entry");
  core::check((variances.array() > 0).all(), what + ": a variance is not positive");
  for (Eigen::Index j = 1; j < k; ++j)
    core::check(variances[j] <= variances[j - 1], what + ": the variances are not decreasing");
  core::check(total_variance >= variances.sum() * (1 - 1e-9),
              what + ": the total variance is below the sum of the kept ones");
  const double off = (components.transpose() * components - Matrix::Identity(k, k)).cwiseAbs().maxCoeff();
  core::check(off <= 1e-6, what + ": the components are not orthonormal (U^T U - I reaches " +
                               std::to_string(off) + ")");
}

}  // namespace sbi::diffusion
