#include "diffusion/inverse_problem.h"

#include <cmath>
#include <memory>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include "core/enum_names.h"
#include "core/error.h"

namespace sbi::diffusion {
namespace {

const core::EnumNames<Guidance>& guidances() {
  static const core::EnumNames<Guidance> names("guidance", {"convolved", "dps", "tweedie"});
  return names;
}

// What every guidance keeps: A, y and the weights 1/σ_n^2.
struct Likelihood {
  Eigen::SparseMatrix<double> a;
  Vector y, weight;
  // A^T Σ_n^{-1} (y - A m) per column of m (d x N).
  Matrix pull(const Matrix& m) const {
    Matrix r = (-(a * m)).colwise() + y;
    r.array().colwise() *= weight.array();
    return a.transpose() * r;
  }
};

// DPS given r(m) = J_f(m)^T Σ_n^{-1} (y - f(m)) per column of m.
NoisePredictor dps(const DiffusionPrior& prior, std::function<Matrix(const Matrix&)> pull) {
  const Schedule schedule = prior.schedule;
  const NoisePredictor noise = prior.noise;
  const NoiseVjp vjp = prior.noise_vjp;
  return [=](double t, const Matrix& x, Matrix* eps, RowVector* div) {
    core::check(div == nullptr, "guided noise predictor: no divergence (use the SDE samplers)");
    noise(t, x, eps, nullptr);
    const flows::PathCoefficients c = schedule.at(t);
    // x̂_0 = (x - β ε̂) / α; ∇_x [-½ χ²(x̂_0)] = (1/α) (r - β (∂ε̂/∂x)^T r), r = pull(x̂_0).
    const Matrix r = pull((x - c.beta * *eps) / c.alpha);
    const Matrix grad = (r - c.beta * vjp(t, x, r)) / c.alpha;
    *eps -= c.beta * grad;
  };
}

void check_prior(const DiffusionPrior& prior, bool needs_vjp, const std::string& what) {
  core::check(prior.schedule.options().is_sde(), what + ": the prior's path must be an SDE's (vp, subvp or ve)");
  core::check(!needs_vjp || static_cast<bool>(prior.noise_vjp),
              what + " needs the prior's vector-Jacobian product");
}

}  // namespace

void NonlinearObservation::check() const {
  core::check(static_cast<bool>(forward) && static_cast<bool>(forward_vjp),
              "NonlinearObservation: the forward model and its vector-Jacobian product must both be set");
  core::check(sigma.size() == y.size(), "NonlinearObservation: y has " + std::to_string(y.size()) +
                                            " entries and sigma " + std::to_string(sigma.size()));
  core::check(y.allFinite(), "NonlinearObservation: y has a NaN or infinite entry");
  core::check((sigma.array() > 0).all() && sigma.allFinite(),
              "NonlinearObservation: every noise sigma must be finite and > 0");
}

NoisePredictor dps_noise_predictor(const DiffusionPrior& prior, const NonlinearObservation& observation) {
  observation.check();
  check_prior(prior, true, "dps_noise_predictor");
  const NonlinearObservation o = observation;
  const Vector weight = o.sigma.array().square().inverse();
  return dps(prior, [o, weight](const Matrix& m) {
    Matrix r = (-o.forward(m)).colwise() + o.y;
    core::check(r.rows() == o.y.size() && r.cols() == m.cols(),
                "dps_noise_predictor: the forward model returned " + std::to_string(r.rows()) + " x " +
                    std::to_string(r.cols()) + " values for " + std::to_string(m.cols()) +
                    " columns; y has " + std::to_string(o.y.size()) + " entries");
    r.array().colwise() *= weight.array();
    return Matrix(o.forward_vjp(m, r));
  });
}

Guidance parse_guidance(const std::string& name) { return guidances().parse(name); }
std::string guidance_name(Guidance value) { return guidances().name(value); }
std::vector<std::string> guidance_names() { return guidances().names(); }

void LinearObservation::check() const {
  core::check(forward.rows() == y.size() && sigma.size() == y.size(),
              "LinearObservation: A has " + std::to_string(forward.rows()) + " rows, y " +
                  std::to_string(y.size()) + " entries and sigma " + std::to_string(sigma.size()) +
                  ": they must agree");
  core::check(y.allFinite(), "LinearObservation: y has a NaN or infinite entry");
  core::check((sigma.array() > 0).all() && sigma.allFinite(),
              "LinearObservation: every noise sigma must be finite and > 0");
  for (int k = 0; k < forward.outerSize(); ++k)
    for (Eigen::SparseMatrix<double>::InnerIterator it(forward, k); it; ++it)
      core::check(std::isfinite(it.value()), "LinearObservation: A has a NaN or infinite entry");
}

NoisePredictor guided_noise_predictor(const DiffusionPrior& prior, const LinearObservation& observation,
                                      Guidance guidance) {
  observation.check();
  core::check(prior.schedule.options().is_sde(),
              "guided_noise_predictor: the prior's path must be an SDE's (vp, subvp or ve)");
  core::check(guidance == Guidance::kConvolved || static_cast<bool>(prior.noise_vjp),
              "guided_noise_predictor: " + guidance_name(guidance) +
                  " guidance needs the prior's vector-Jacobian product");
  auto like = std::make_shared<Likelihood>();
  like->a = observation.forward;
  like->y = observation.y;
  like->weight = observation.sigma.array().square().inverse();
  const Schedule schedule = prior.schedule;
  const NoisePredictor noise = prior.noise;
  const NoiseVjp vjp = prior.noise_vjp;

  if (guidance == Guidance::kConvolved) {
    // H = A^T Σ_n^{-1} A = U diag(λ) U^T, once.
    const Eigen::SparseMatrix<double> weighted = like->weight.asDiagonal() * like->a;
    const Matrix h = Matrix(like->a.transpose() * weighted);
    auto eigen = std::make_shared<Eigen::SelfAdjointEigenSolver<Matrix>>(h);
    core::check(eigen->info() == Eigen::Success, "guided_noise_predictor: eigendecomposition of A^T A failed");
    return [=](double t, const Matrix& x, Matrix* eps, RowVector* div) {
      core::check(div == nullptr, "guided noise predictor: no divergence (use the SDE samplers)");
      noise(t, x, eps, nullptr);
      const flows::PathCoefficients c = schedule.at(t);
      const double spread = (c.beta / c.alpha) * (c.beta / c.alpha);
      // ∇ log N(y; A x/α, Σ_n + c A A^T) = (1/α) A^T (Σ_n + c A A^T)^{-1} (y - A x/α)
      //   = (1/α) U diag(1 / (1 + c λ)) U^T A^T Σ_n^{-1} (y - A x/α)   (Woodbury).
      const Vector shrink = (1.0 + spread * eigen->eigenvalues().array().max(0.0)).inverse();
      const Matrix& u = eigen->eigenvectors();
      const Matrix grad = u * (shrink.asDiagonal() * (u.transpose() * like->pull(x / c.alpha))) / c.alpha;
      *eps -= c.beta * grad;
    };
  }

  if (guidance == Guidance::kDps) return dps(prior, [like](const Matrix& m) { return like->pull(m); });

  // Tweedie: A densified once (the m x m covariance below is dense anyway).
  auto dense_a = std::make_shared<const Matrix>(like->a);
  return [=](double t, const Matrix& x, Matrix* eps, RowVector* div) {
    core::check(div == nullptr, "guided noise predictor: no divergence (use the SDE samplers)");
    noise(t, x, eps, nullptr);
    const flows::PathCoefficients c = schedule.at(t);
    const Eigen::Index d = x.rows();
    const Matrix& a = *dense_a;
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      // J^T from d vector-Jacobian products with the unit vectors, symmetrised (a true
      // score's Jacobian is a Hessian).
      const Matrix jt = vjp(t, x.col(j).replicate(1, d), Matrix::Identity(d, d));
      const Matrix jac = 0.5 * (jt + jt.transpose());
      const Matrix tweedie = (Matrix::Identity(d, d) - c.beta * jac) / c.alpha;  // ∂x̂_0/∂x
      const Matrix cov = (c.beta / c.alpha) * c.beta * tweedie;                   // V_t
      const Vector mean = (x.col(j) - c.beta * eps->col(j)) / c.alpha;
      Matrix m = a * cov * a.transpose();
      m.diagonal() += like->weight.cwiseInverse();
      const Vector z = m.ldlt().solve(like->y - a * mean);
      eps->col(j) -= c.beta * (tweedie.transpose() * (a.transpose() * z));
    }
  };
}

}  // namespace sbi::diffusion
