// The contract every ConditionalDensity passes (after zuko's tests/test_flows.py):
// shapes, inverse(forward(x)) = x, log|det J| against a finite-difference Jacobian,
// gradients against finite differences for parameters, context and theta, every parameter
// receiving a gradient, rebuilding from hyperparameters, and a normalised density.
// One body, instantiated for each estimator kind in kEstimators x each shape in kDims; a
// new estimator adds its kind (and step) to kEstimators. The bijection checks need
// forward/inverse and run for coupling flows; the check of the training loss's parameter
// gradient against -mean log q runs for the estimators trained by maximum likelihood (the
// CNF minimises a flow-matching loss instead, checked in cnf_test.cc; the score model a
// denoising loss, checked in tests/diffusion).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <ostream>
#include <tuple>

#include <Eigen/LU>

#include "core/error.h"
#include "flows/coupling_flow.h"
#include "sbi/density_factory.h"
#include "nn/gradient_check.h"

namespace sbi::flows {
namespace {

Matrix random_matrix(int rows, int cols, core::Rng* rng, double scale = 1.0) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = scale * rng->normal();
  return m;
}

// Perturbs all parameters so that no layer is the identity (the output layers start at 0).
void randomize(ConditionalDensity* density, core::Rng* rng, double scale) {
  for (const nn::Parameter& p : density->parameters())
    *p.value += random_matrix(p.value->rows(), p.value->cols(), rng, scale);
}

struct Estimator {
  const char* kind;
  // Finite-difference step of the gradient checks. The affine flow is smooth, so 1e-3 is
  // exact to O(h^6). The spline's second derivative jumps at its knots: a step of 1e-5
  // keeps the +-3h stencil inside one bin unless an input lies within ~3e-5 of a knot
  // (probability ~1e-4 per transformed element), at the price of rounding ~1e-15 |L| / h
  // ~ 1e-10 in each difference quotient for the O(1)-sized losses here.
  double fd_step;
  // Gradients below this are compared in absolute terms: abs_floor x tolerance (1e-6) must
  // exceed that rounding, so 1e-6 at h = 1e-3 and 1e-3 at h = 1e-5.
  double fd_abs_floor;
  // Weight perturbation away from the identity. A trained flow is well conditioned (log|det|
  // of a few units per layer); random weights of 0.3 keep RealNVP there, but make every
  // spline of a 5-D NSF so wiggly that it squeezes mass against +-B (log|det| ~ -50), where
  // the conditioning e^50, not the algorithm, limits inverse(forward(x)). 0.1 gives NSF
  // log|det| in [-7, 4] on the 5-D case.
  double perturbation;
  // loss_and_gradient minimises -mean log q (not another objective).
  bool likelihood_loss;
  // |log q from sample() - log_prob()| allowed: 1e-9 where both come from the same exact
  // bijection; for the CNF the two are separate RK4 solves (forward from the base, backward
  // from the sample) and differ by the solver's error, O(h^4) with h = 1/50 steps.
  double sample_log_prob_tolerance;
};

const Estimator kEstimators[] = {{"realnvp", 1e-3, 1e-6, 0.3, true, 1e-9},
                                 {"nsf", 1e-5, 1e-3, 0.1, true, 1e-9},
                                 {"cnf", 1e-3, 1e-6, 0.3, false, 1e-5},
                                 {"score", 1e-3, 1e-6, 0.1, false, 1e-5}};

struct Dims {
  int theta_dim, context_dim;
};

const Dims kDims[] = {{1, 0}, {1, 3}, {2, 2}, {3, 1}, {5, 4}};

// How ctest and gtest name the parameters (instead of a hex dump of their bytes).
void PrintTo(const Estimator& e, std::ostream* os) { *os << e.kind; }
void PrintTo(const Dims& d, std::ostream* os) {
  *os << "theta " << d.theta_dim << ", context " << d.context_dim;
}

std::unique_ptr<ConditionalDensity> make_small(const char* kind, int theta_dim, int context_dim) {
  // The estimator's own defaults (the score model's path is the VP SDE's), then small.
  DensityOptions o = default_density_options(parse_density_kind(kind));
  o.theta_dim = theta_dim;
  o.context_dim = context_dim;
  o.transforms = 4;
  o.hidden = 8;
  o.layers = 1;
  o.activation = nn::Activation::kTanh;  // smooth, so finite differences are exact to O(h^6)
  // Finite differences check the double passes; the coupling flows' float32 training passes
  // (their default) are checked against these in tests/sbi/single_precision_test.cc.
  o.training_precision = nn::Precision::kFloat64;
  o.seed = 3;
  return make_density(o);
}

class DensityContract : public ::testing::TestWithParam<std::tuple<Estimator, Dims>> {
 protected:
  void SetUp() override {
    std::tie(estimator_, dims_) = GetParam();
    density_ = make_small(estimator_.kind, dims_.theta_dim, dims_.context_dim);
    ASSERT_EQ(density_->kind(), estimator_.kind);
    ASSERT_EQ(density_->theta_dim(), dims_.theta_dim);
    ASSERT_EQ(density_->context_dim(), dims_.context_dim);
  }
  // The density as a coupling flow, or null.
  CouplingFlow* flow() { return dynamic_cast<CouplingFlow*>(density_.get()); }

  Estimator estimator_;
  Dims dims_;
  std::unique_ptr<ConditionalDensity> density_;
};

TEST_P(DensityContract, InverseOfForwardIsIdentity) {
  if (flow() == nullptr) GTEST_SKIP() << "not a coupling flow";
  core::Rng rng(11);
  randomize(density_.get(), &rng, estimator_.perturbation);
  // Scale 2: some inputs fall outside the spline's [-5, 5] too.
  const Matrix theta = random_matrix(dims_.theta_dim, 200, &rng, 2.0);
  const Matrix ctx = random_matrix(dims_.context_dim, 200, &rng);
  CouplingFlowCache cache;
  flow()->forward(theta, ctx, &cache);
  Matrix log_det_inverse = Matrix::Zero(1, 200);
  EXPECT_LT((flow()->inverse(cache.z, ctx, &log_det_inverse) - theta).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_LT((cache.log_det + log_det_inverse).cwiseAbs().maxCoeff(), 1e-10);
}

TEST_P(DensityContract, LogDetMatchesFiniteDifferenceJacobian) {
  if (flow() == nullptr) GTEST_SKIP() << "not a coupling flow";
  core::Rng rng(12);
  randomize(density_.get(), &rng, estimator_.perturbation);
  const int d = dims_.theta_dim;
  for (int trial = 0; trial < 3; ++trial) {
    const Matrix theta = random_matrix(d, 1, &rng);
    const Matrix ctx = random_matrix(dims_.context_dim, 1, &rng);
    CouplingFlowCache cache;
    flow()->forward(theta, ctx, &cache);
    Matrix jac(d, d);
    for (int i = 0; i < d; ++i) {
      auto zi = [&](const nn::Vector& t) {
        CouplingFlowCache local;
        flow()->forward(Matrix(t), ctx, &local);
        return local.z(i, 0);
      };
      jac.row(i) = nn::finite_difference_gradient(zi, theta.col(0), estimator_.fd_step).transpose();
    }
    // Rounding in the difference quotients, ~1e-16 |z| / h, is at most 1e-10 relative.
    EXPECT_NEAR(cache.log_det(0, 0), std::log(std::abs(jac.determinant())), 1e-8) << "trial " << trial;
  }
}

TEST_P(DensityContract, GradientsMatchFiniteDifferences) {
  core::Rng rng(13);
  randomize(density_.get(), &rng, estimator_.perturbation);
  const Matrix theta = random_matrix(dims_.theta_dim, 5, &rng);
  const Matrix ctx = random_matrix(dims_.context_dim, 5, &rng);
  const double h = estimator_.fd_step, floor = estimator_.fd_abs_floor;
  nn::Parameters params = density_->parameters();
  nn::zero_grad(params);
  Matrix grad_ctx;
  density_->loss_and_gradient(theta, ctx, &grad_ctx);
  const nn::Vector w0 = nn::flatten_values(params);
  auto loss_of_params = [&](const nn::Vector& w) {
    nn::unflatten_values(w, params);
    return -density_->log_prob(theta, ctx).mean();
  };
  nn::GradientCheckResult r;
  if (estimator_.likelihood_loss) {
    r = nn::check_gradient(loss_of_params, w0, nn::flatten_grads(params), 1e-6, h, floor);
    nn::unflatten_values(w0, params);
    EXPECT_TRUE(r.ok) << "parameters: " << r.message;
  }
  // Every parameter tensor receives a gradient (zuko's contract); a conditioner without
  // inputs (theta_dim = 1, no context) has an empty first weight matrix.
  for (const nn::Parameter& p : params) {
    if (p.grad->size() > 0) {
      EXPECT_GT(p.grad->cwiseAbs().maxCoeff(), 0.0) << p.name;
    }
  }

  if (dims_.context_dim > 0 && estimator_.likelihood_loss) {
    auto loss_of_ctx = [&](const nn::Vector& v) {
      return -density_->log_prob(theta, Eigen::Map<const Matrix>(v.data(), ctx.rows(), ctx.cols())).mean();
    };
    r = nn::check_gradient(loss_of_ctx, Eigen::Map<const nn::Vector>(ctx.data(), ctx.size()),
                           Eigen::Map<const nn::Vector>(grad_ctx.data(), grad_ctx.size()), 1e-6, h,
                           floor);
    EXPECT_TRUE(r.ok) << "context: " << r.message;
  }

  Matrix grad_theta;
  const nn::Vector lp = density_->log_prob_and_gradient(theta, ctx, &grad_theta);
  EXPECT_LT((lp - density_->log_prob(theta, ctx)).cwiseAbs().maxCoeff(), 1e-12);
  auto sum_lp = [&](const nn::Vector& v) {
    return density_->log_prob(Eigen::Map<const Matrix>(v.data(), theta.rows(), theta.cols()), ctx).sum();
  };
  r = nn::check_gradient(sum_lp, Eigen::Map<const nn::Vector>(theta.data(), theta.size()),
                         Eigen::Map<const nn::Vector>(grad_theta.data(), grad_theta.size()), 1e-6, h,
                         floor);
  EXPECT_TRUE(r.ok) << "theta: " << r.message;
  // log_prob_and_gradient leaves parameter gradients alone.
  const nn::Vector before = nn::flatten_grads(params);
  density_->log_prob_and_gradient(theta, ctx, &grad_theta);
  EXPECT_EQ(before, nn::flatten_grads(params));
}

TEST_P(DensityContract, SampleIsReproducibleWithItsLogDensity) {
  core::Rng rng(14);
  randomize(density_.get(), &rng, estimator_.perturbation);
  const Matrix ctx = random_matrix(dims_.context_dim, 1, &rng).replicate(1, 1500);
  core::Rng a(5), b(5);
  nn::Vector lp;
  const Matrix s1 = density_->sample(ctx, &a, &lp);
  ASSERT_EQ(s1.rows(), dims_.theta_dim);
  ASSERT_EQ(s1.cols(), 1500);
  EXPECT_EQ(s1, density_->sample(ctx, &b, nullptr));
  EXPECT_TRUE(s1.allFinite());
  // The log-density computed along the inverse pass equals the forward one.
  EXPECT_LT((lp - density_->log_prob(s1, ctx)).cwiseAbs().maxCoeff(),
            estimator_.sample_log_prob_tolerance);
}

TEST_P(DensityContract, RebuildsFromItsHyperparameters) {
  // What a model file does: rebuild from (kind, hyperparameters), then load the weights.
  core::Rng rng(15);
  randomize(density_.get(), &rng, estimator_.perturbation);
  auto rebuilt = make_density(density_->kind(), density_->hyperparameters());
  EXPECT_EQ(rebuilt->hyperparameters(), density_->hyperparameters());
  nn::unflatten_values(nn::flatten_values(density_->parameters()), rebuilt->parameters());
  const Matrix theta = random_matrix(dims_.theta_dim, 20, &rng);
  const Matrix ctx = random_matrix(dims_.context_dim, 20, &rng);
  EXPECT_EQ(rebuilt->log_prob(theta, ctx), density_->log_prob(theta, ctx));
}

TEST_P(DensityContract, RejectsWrongShapes) {
  const Matrix theta = Matrix::Zero(dims_.theta_dim + 1, 3);
  const Matrix ctx = Matrix::Zero(dims_.context_dim, 3);
  EXPECT_THROW(density_->log_prob(theta, ctx), core::Error);
  EXPECT_THROW(density_->log_prob(Matrix::Zero(dims_.theta_dim, 2), ctx), core::Error);
  core::Rng rng(16);
  EXPECT_THROW(density_->sample(Matrix::Zero(dims_.context_dim + 1, 3), &rng, nullptr), core::Error);
}

INSTANTIATE_TEST_SUITE_P(Estimators, DensityContract,
                         ::testing::Combine(::testing::ValuesIn(kEstimators), ::testing::ValuesIn(kDims)),
                         [](const auto& info) {
                           const Dims d = std::get<1>(info.param);
                           return std::string(std::get<0>(info.param).kind) + "_theta" +
                                  std::to_string(d.theta_dim) + "_context" +
                                  std::to_string(d.context_dim);
                         });

class DensityNormalisation : public ::testing::TestWithParam<Estimator> {};

TEST_P(DensityNormalisation, IntegratesToOneOnAGrid) {
  auto density = make_small(GetParam().kind, 2, 1);
  core::Rng rng(21);
  randomize(density.get(), &rng, 2.0 / 3.0 * GetParam().perturbation);
  // Midpoint rule on [-L, L]^2 with h = 0.04: its error is O(h^2 f'') ~ 1e-4 (the spline
  // flow's density is continuous with a piecewise-smooth derivative, which keeps O(h^2)),
  // and the mass outside L = 12 is negligible for a flow this close to a standard normal
  // (weights perturbed by 0.2 (RealNVP) or 0.067 (NSF) from the identity). A 1e-3 error in log q would shift the
  // mass by 1e-3.
  const int n = 600;
  const double L = 12.0, h = 2 * L / n;
  Matrix grid(2, n * n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) grid.col(i * n + j) << -L + (i + 0.5) * h, -L + (j + 0.5) * h;
  const Matrix ctx = Matrix::Constant(1, n * n, 0.7);
  const double mass = density->log_prob(grid, ctx).array().exp().sum() * h * h;
  EXPECT_NEAR(mass, 1.0, 1e-3);
}

INSTANTIATE_TEST_SUITE_P(Estimators, DensityNormalisation, ::testing::ValuesIn(kEstimators),
                         [](const auto& info) { return std::string(info.param.kind); });

TEST(DensityFactory, KnowsEveryKindByNameAndRejectsUnknownOnes) {
  for (const std::string& name : density_kind_names())
    EXPECT_EQ(density_kind_name(parse_density_kind(name)), name);
  try {
    parse_density_kind("nope");
    ADD_FAILURE() << "nope accepted";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("realnvp, nsf, cnf or score"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_density("nope", Hyperparameters{}), core::Error);
  DensityOptions o;
  o.theta_dim = 2;
  // NSF-specific knobs reach the model.
  o.kind = DensityKind::kNSF;
  o.bins = 11;
  o.bound = 3.0;
  const Hyperparameters h = make_density(o)->hyperparameters();
  EXPECT_EQ(h.values().at("bins"), Hyperparameters::Value(std::int64_t{11}));
  EXPECT_EQ(h.values().at("bound"), Hyperparameters::Value(3.0));
  EXPECT_EQ(h.values().at("num_transforms"), Hyperparameters::Value(std::int64_t{5}));
  // An invalid spline option is reported under its field name.
  o.bins = 1;
  try {
    make_density(o);
    ADD_FAILURE() << "bins = 1 accepted";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("NSFOptions::bins"), std::string::npos) << e.what();
  }
}

TEST(DensityFactory, RealNVPHyperparametersOfFormatVersion1StillLoad) {
  // Model files of format version 1 hold exactly these keys, every value a double (the
  // activation by its index); they must rebuild the same network as the typed ones.
  Hyperparameters old("RealNVP");
  for (const auto& [key, value] : std::vector<std::pair<std::string, double>>{
           {"theta_dim", 2}, {"context_dim", 3}, {"num_transforms", 5}, {"hidden", 64},
           {"num_blocks", 2}, {"residual", 1}, {"activation", 2}, {"log_scale_clamp", 3.0},
           {"seed", 7}})
    old.set(key, value);
  auto density = make_density("realnvp", old);
  const Hyperparameters typed = density->hyperparameters();
  EXPECT_EQ(typed.values().at("activation"), Hyperparameters::Value(std::string("silu")));
  EXPECT_EQ(typed.values().at("seed"), Hyperparameters::Value(std::uint64_t{7}));
  EXPECT_EQ(typed.values().at("residual"), Hyperparameters::Value(std::int64_t{1}));
  auto rebuilt = make_density("realnvp", typed);
  EXPECT_EQ(nn::flatten_values(density->parameters()), nn::flatten_values(rebuilt->parameters()));
  // A seed above 2^53 stored as a double was rounded: refused, not silently rebuilt.
  old.set("seed", 18446744073709551557.0);
  try {
    make_density("realnvp", old);
    ADD_FAILURE() << "a rounded seed was accepted";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("rounded from a value above 2^53"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace sbi::flows
