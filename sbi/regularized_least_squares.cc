#include "sbi/regularized_least_squares.h"

#include <algorithm>
#include <cmath>

#include <Eigen/Eigenvalues>

#include "core/error.h"

namespace sbi {

RegularizedLeastSquares regularized_least_squares(const diffusion::LinearObservation& observation,
                                                  double lambda) {
  observation.check();
  core::check(std::isfinite(lambda), "regularized_least_squares: lambda must be finite");
  const Eigen::MatrixXd a = observation.forward;
  const Eigen::VectorXd weight = observation.sigma.array().square().inverse();
  const Eigen::MatrixXd h = a.transpose() * weight.asDiagonal() * a;
  const Eigen::VectorXd g = a.transpose() * weight.cwiseProduct(observation.y);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(h);
  core::check(eigen.info() == Eigen::Success, "regularized_least_squares: the eigendecomposition failed");
  const Eigen::VectorXd v_g = eigen.eigenvectors().transpose() * g;
  const Eigen::VectorXd hs = eigen.eigenvalues().cwiseMax(0.0);
  auto solve = [&](double l) -> Eigen::VectorXd {
    return eigen.eigenvectors() * (v_g.array() / (hs.array() + l)).matrix();
  };
  auto chi2 = [&](const Eigen::VectorXd& x) {
    return ((observation.y - a * x).array().square() * weight.array()).sum();
  };
  RegularizedLeastSquares r;
  if (lambda >= 0) {
    core::check(lambda > 0 || hs.minCoeff() > 1e-12 * hs.maxCoeff(),
                "regularized_least_squares: lambda = 0 with a singular A^T W A; give lambda > 0");
    r.lambda = lambda;
  } else {
    const double m = static_cast<double>(observation.y.size());
    const double scale = std::max(hs.maxCoeff(), 1e-300);
    double lo = std::log(1e-12 * scale), hi = std::log(1e12 * scale);
    if (chi2(solve(std::exp(lo))) > m) {
      r.lambda = std::exp(lo);
    } else if (chi2(solve(std::exp(hi))) <= m) {
      r.lambda = std::exp(hi);
    } else {
      for (int i = 0; i < 200 && hi - lo > 1e-10; ++i) {
        const double mid = 0.5 * (lo + hi);
        (chi2(solve(std::exp(mid))) > m ? hi : lo) = mid;
      }
      r.lambda = std::exp(0.5 * (lo + hi));
    }
    r.solution = solve(r.lambda);
    r.chi2 = chi2(r.solution);
    r.discrepancy_met = std::abs(r.chi2 / m - 1) <= 1e-6;
    return r;
  }
  r.solution = solve(r.lambda);
  r.chi2 = chi2(r.solution);
  r.discrepancy_met = std::abs(r.chi2 / static_cast<double>(observation.y.size()) - 1) <= 1e-6;
  return r;
}

}  // namespace sbi
