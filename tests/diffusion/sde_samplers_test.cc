// The samplers of diffusion/sde_samplers.h with the analytic score of Gaussian data: for
// x_1 ~ N(μ, Σ) the marginal at t is N(α_t μ, C_t), C_t = α_t^2 Σ + β_t^2 I, so the noise
// predictor E[ε | x_t] = β_t C_t^{-1} (x - α_t μ) is known in closed form and every sampler
// must reproduce N(μ, Σ), and the probability-flow ODE its log-density.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include <Eigen/Cholesky>
#include <Eigen/LU>

#include "core/error.h"
#include "diffusion/sde_samplers.h"

namespace sbi::diffusion {
namespace {

using flows::PathCoefficients;
using flows::ScheduleKind;
using flows::ScheduleOptions;
using nn::Vector;

constexpr double kLog2Pi = 1.8378770664093454836;

struct GaussianData {
  Vector mu = (Vector(2) << 0.5, -1.0).finished();
  Matrix sigma = (Matrix(2, 2) << 1.0, 0.6, 0.6, 0.8).finished();

  Matrix marginal_cov(const PathCoefficients& c) const {
    return c.alpha * c.alpha * sigma + c.beta * c.beta * Matrix::Identity(2, 2);
  }
  // ε̂ = β C^{-1} (x - α μ); div ε̂ = β tr C^{-1}.
  NoisePredictor noise(const Schedule& schedule) const {
    return [this, schedule](double t, const Matrix& x, Matrix* eps, RowVector* div) {
      const PathCoefficients c = schedule.at(t);
      const Matrix inverse = marginal_cov(c).inverse();
      *eps = c.beta * inverse * (x.colwise() - c.alpha * mu);
      if (div != nullptr) *div = RowVector::Constant(1, x.cols(), c.beta * inverse.trace());
    };
  }
  // n draws of N(mean, cov).
  static Matrix draw(const Vector& mean, const Matrix& cov, Eigen::Index n, core::Rng* rng) {
    const Matrix l = cov.llt().matrixL();
    Matrix z(2, n);
    for (Eigen::Index i = 0; i < z.size(); ++i) z.data()[i] = rng->normal();
    return (l * z).colwise() + mean;
  }
  // Draws of the t = 0 marginal, the exact start of every sampler.
  Matrix start(const Schedule& schedule, Eigen::Index n, core::Rng* rng) const {
    const PathCoefficients c = schedule.at(0.0);
    return draw(c.alpha * mu, marginal_cov(c), n, rng);
  }
  static Vector log_normal(const Matrix& x, const Vector& mean, const Matrix& cov) {
    const Eigen::LLT<Matrix> llt(cov);
    const Matrix white = llt.matrixL().solve(x.colwise() - mean);
    const double log_det = 2.0 * llt.matrixL().toDenseMatrix().diagonal().array().log().sum();
    return (-0.5 * white.colwise().squaredNorm().array() - 0.5 * (x.rows() * kLog2Pi + log_det)).transpose();
  }
};

ScheduleOptions options_of(ScheduleKind kind) {
  ScheduleOptions o;
  o.kind = kind;
  return o;
}

const ScheduleKind kSdeKinds[] = {ScheduleKind::kVariancePreserving,
                                  ScheduleKind::kSubVariancePreserving,
                                  ScheduleKind::kVarianceExploding};

// Mean and covariance of samples (2 x N) within sampling error of N(μ, Σ): the sample mean's
// standard error is sqrt(Σ_ii / N), a covariance entry's sqrt((Σ_ii Σ_jj + Σ_ij^2) / N); 4.5
// standard errors bound each of the 5 checks with probability 1 - 7e-6 each.
void expect_moments(const Matrix& x, const GaussianData& data, const std::string& what) {
  const double n = static_cast<double>(x.cols());
  const Vector mean = x.rowwise().mean();
  const Matrix centred = x.colwise() - mean;
  const Matrix cov = centred * centred.transpose() / (n - 1);
  for (int i = 0; i < 2; ++i) {
    EXPECT_NEAR(mean(i), data.mu(i), 4.5 * std::sqrt(data.sigma(i, i) / n)) << what << " mean " << i;
    for (int j = 0; j <= i; ++j) {
      const double se = std::sqrt((data.sigma(i, i) * data.sigma(j, j) + data.sigma(i, j) * data.sigma(i, j)) / n);
      EXPECT_NEAR(cov(i, j), data.sigma(i, j), 4.5 * se) << what << " cov " << i << j;
    }
  }
}

TEST(SdeSamplers, ReverseSdeReproducesGaussianData) {
  // Euler–Maruyama's bias in the covariance is O(dt) = 1e-3 with 1000 steps, below the
  // standard errors of 2e4 samples (~1e-2).
  const GaussianData data;
  for (ScheduleKind kind : kSdeKinds) {
    const Schedule schedule(options_of(kind));
    core::Rng rng(7);
    SdeSamplerOptions o;
    o.steps = 1000;
    const Matrix x = reverse_sde_sample(schedule, data.noise(schedule), data.start(schedule, 20000, &rng), o, &rng);
    expect_moments(x, data, "reverse SDE " + flows::schedule_kind_name(kind));
  }
}

TEST(SdeSamplers, PredictorCorrectorReproducesGaussianData) {
  // With r = 0.05 the corrector's step is η ≈ 2 r^2 ||z||^2 / ||s||^2 ~ 5e-3: its Langevin
  // bias O(η) in the covariance is below the standard errors (~1e-2).
  const GaussianData data;
  for (ScheduleKind kind : kSdeKinds) {
    const Schedule schedule(options_of(kind));
    core::Rng rng(8);
    SdeSamplerOptions o;
    o.steps = 500;
    o.corrector_steps = 1;
    o.snr = 0.05;
    const Matrix x = reverse_sde_sample(schedule, data.noise(schedule), data.start(schedule, 20000, &rng), o, &rng);
    expect_moments(x, data, "predictor-corrector " + flows::schedule_kind_name(kind));
  }
}

TEST(SdeSamplers, ProbabilityFlowOdeReproducesGaussianDataAndItsLogDensity) {
  const GaussianData data;
  for (ScheduleKind kind : kSdeKinds) {
    const Schedule schedule(options_of(kind));
    const flows::BatchVectorField field = probability_flow_field(schedule, data.noise(schedule));
    flows::OdeOptions ode;
    ode.solver = flows::OdeSolver::kDopri5;
    ode.abs_tol = ode.rel_tol = 1e-9;
    core::Rng rng(9);
    const Matrix x = flows::flow_forward(field, data.start(schedule, 20000, &rng), ode, nullptr);
    expect_moments(x, data, "probability flow " + flows::schedule_kind_name(kind));

    // log q(x) = log p_0(x_0) - ∫ div v dt with the exact t = 0 marginal p_0: the Gaussian
    // log-density to 1e-3 (the bound; the solver's tolerance gives ~1e-7).
    const Matrix points = GaussianData::draw(data.mu, 2.0 * data.sigma, 50, &rng);
    Matrix x0;
    const double base_std = schedule.base_std();
    const Vector lp = flows::flow_log_prob(field, points, ode, &x0, nullptr, base_std);
    const PathCoefficients c0 = schedule.at(0.0);
    const Vector with_exact_base = lp - GaussianData::log_normal(x0, Vector::Zero(2), base_std * base_std * Matrix::Identity(2, 2)) +
                                   GaussianData::log_normal(x0, c0.alpha * data.mu, data.marginal_cov(c0));
    // The flow ends on the t = 1 marginal N(α_1 μ, α_1^2 Σ + β_1^2 I): the data up to
    // β_1 = σ_min = 0.01 for VE (1e-3 for VP, ~1e-6 for sub-VP), which moves log p by ~1e-3.
    const PathCoefficients c1 = schedule.at(1.0);
    const Vector exact = GaussianData::log_normal(points, c1.alpha * data.mu, data.marginal_cov(c1));
    EXPECT_LT((with_exact_base - exact).cwiseAbs().maxCoeff(), 1e-3) << flows::schedule_kind_name(kind);
    // What the model's N(0, base_std^2 I) base costs on these points: for VP, sub-VP and VE
    // the t = 0 marginal is that base only approximately (α_0 μ and α_0^2 Σ are left out).
    if (kind == ScheduleKind::kVariancePreserving) {
      EXPECT_LT((lp - exact).cwiseAbs().maxCoeff(), 0.05) << "vp base";
      EXPECT_LT((exact - GaussianData::log_normal(points, data.mu, data.sigma)).cwiseAbs().maxCoeff(), 1e-4);
    }
  }
}

TEST(SdeSamplers, BadOptionsAreRefused) {
  const GaussianData data;
  const Schedule vp(options_of(ScheduleKind::kVariancePreserving));
  core::Rng rng(1);
  SdeSamplerOptions o;
  o.steps = 0;
  EXPECT_THROW(reverse_sde_sample(vp, data.noise(vp), Matrix::Zero(2, 3), o, &rng), core::Error);
  o = SdeSamplerOptions{};
  o.snr = -1;
  std::string error;
  EXPECT_FALSE(o.is_valid(&error));
  EXPECT_NE(error.find("snr"), std::string::npos) << error;
  const Schedule ot{ScheduleOptions{}};
  EXPECT_THROW(reverse_sde_sample(ot, data.noise(ot), Matrix::Zero(2, 3), SdeSamplerOptions{}, &rng),
               core::Error);
}

}  // namespace
}  // namespace sbi::diffusion
