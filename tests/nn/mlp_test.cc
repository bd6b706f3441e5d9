// Gradients of dense layers and MLPs against six-point finite differences, for every
// activation, plain and residual, with respect to parameters and inputs; batch 1 and odd.
#include <gtest/gtest.h>

#include "nn/gradient_check.h"
#include "nn/mlp.h"

namespace sbi::nn {
namespace {

Matrix random_matrix(int rows, int cols, core::Rng* rng) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng->normal();
  return m;
}

// L = sum(w .* mlp(x)), so dL/dy = w.
struct MlpProbe {
  Mlp* mlp;
  Matrix x, w;
  double loss() const {
    MlpCache cache;
    return (mlp->forward(x, &cache).array() * w.array()).sum();
  }
};

void expect_mlp_gradients(const MlpOptions& options, int batch) {
  core::Rng rng(7, batch);
  Mlp mlp(options, &rng);
  MlpProbe probe{&mlp, random_matrix(options.in, batch, &rng),
                 random_matrix(options.out, batch, &rng)};
  Parameters params = mlp.parameters();
  // Analytic gradients.
  MlpCache cache;
  mlp.forward(probe.x, &cache);
  zero_grad(params);
  Matrix grad_x;
  mlp.backward(&cache, probe.w, &grad_x);
  const Vector analytic_params = flatten_grads(params);
  const Vector theta0 = flatten_values(params);

  auto loss_of_params = [&](const Vector& v) {
    unflatten_values(v, params);
    return probe.loss();
  };
  // Step 1e-5: ReLU and ELU have kinks at 0, and a finite-difference stencil that crosses
  // one is wrong; pre-activations this close to 0 are unlikely (fixed seed). Round-off at
  // this step is ~1e-11, far below the tolerance.
  const double step = 1e-5;
  GradientCheckResult r = check_gradient(loss_of_params, theta0, analytic_params, 1e-6, step);
  unflatten_values(theta0, params);
  EXPECT_TRUE(r.ok) << activation_name(options.activation) << " residual=" << options.residual
                    << " params: " << r.message;

  const Vector x0 = Eigen::Map<const Vector>(probe.x.data(), probe.x.size());
  auto loss_of_x = [&](const Vector& v) {
    MlpProbe p = probe;
    p.x = Eigen::Map<const Matrix>(v.data(), probe.x.rows(), probe.x.cols());
    return p.loss();
  };
  r = check_gradient(loss_of_x, x0, Eigen::Map<const Vector>(grad_x.data(), grad_x.size()), 1e-6,
                     step);
  EXPECT_TRUE(r.ok) << activation_name(options.activation) << " residual=" << options.residual
                    << " inputs: " << r.message;
}

TEST(Mlp, GradientsMatchFiniteDifferences) {
  for (Activation act : {Activation::kReLU, Activation::kTanh, Activation::kSiLU, Activation::kELU}) {
    for (bool residual : {false, true}) {
      for (int batch : {1, 5}) {
        MlpOptions o;
        o.in = 3;
        o.out = 4;
        o.hidden = 6;
        o.num_layers = 2;
        o.activation = act;
        o.residual = residual;
        expect_mlp_gradients(o, batch);
      }
    }
  }
}

TEST(Mlp, SingleLinearLayerAndZeroInputs) {
  MlpOptions linear;
  linear.in = 3;
  linear.out = 2;
  linear.num_layers = 0;
  expect_mlp_gradients(linear, 4);

  // No inputs: the output is a learned constant (the conditioner of a 1-D unconditional flow).
  MlpOptions constant;
  constant.in = 0;
  constant.out = 2;
  constant.hidden = 5;
  core::Rng rng(1);
  Mlp mlp(constant, &rng);
  MlpCache cache;
  const Matrix y = mlp.forward(Matrix(0, 3), &cache);
  ASSERT_EQ(y.cols(), 3);
  EXPECT_EQ(y.col(0), y.col(2));
}

TEST(Mlp, ZeroOutputInitStartsAtZero) {
  MlpOptions o;
  o.in = 3;
  o.out = 2;
  o.output_init = Init::kZero;
  core::Rng rng(3);
  Mlp mlp(o, &rng);
  MlpCache cache;
  EXPECT_EQ(mlp.forward(random_matrix(3, 4, &rng), &cache).norm(), 0.0);
}

TEST(GradientCheck, CatchesAPlantedWrongDerivative) {
  // f(x) = sum x_i^3; report 3 x_i^2 except a wrong entry.
  auto f = [](const Vector& x) { return x.array().cube().sum(); };
  Vector x(3);
  x << 0.5, -1.2, 2.0;
  Vector right = 3.0 * x.array().square();
  EXPECT_TRUE(check_gradient(f, x, right, 1e-8).ok);
  Vector wrong = right;
  wrong[1] *= 1.001;
  GradientCheckResult r = check_gradient(f, x, wrong, 1e-6);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.worst_index, 1);
}

}  // namespace
}  // namespace sbi::nn
