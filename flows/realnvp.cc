#include "flows/realnvp.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"

namespace sbi::flows {
namespace {

constexpr double kLog2Pi = 1.8378770664093454836;

// Standard normal log-density of each column.
Vector standard_normal_log_prob(const Matrix& z) {
  return (-0.5 * z.colwise().squaredNorm().array() - 0.5 * z.rows() * kLog2Pi).transpose();
}

// Columns per parallel chunk in log_prob / sample: large enough to keep the GEMMs efficient.
constexpr Eigen::Index kChunk = 512;

}  // namespace

bool RealNVPOptions::is_valid(std::string* error) const {
  if (theta_dim < 1) *error = "RealNVPOptions::theta_dim = " + std::to_string(theta_dim) + " must be >= 1";
  else if (context_dim < 0) *error = "RealNVPOptions::context_dim must be >= 0";
  else if (num_transforms < 1) *error = "RealNVPOptions::num_transforms = " + std::to_string(num_transforms) + " must be >= 1";
  else if (hidden < 1) *error = "RealNVPOptions::hidden = " + std::to_string(hidden) + " must be >= 1";
  else if (num_blocks < 0) *error = "RealNVPOptions::num_blocks must be >= 0";
  else if (!(log_scale_clamp > 0)) *error = "RealNVPOptions::log_scale_clamp must be > 0";
  else return true;
  return false;
}

Hyperparameters RealNVPOptions::to_hyperparameters() const {
  return {{"theta_dim", theta_dim},
          {"context_dim", context_dim},
          {"num_transforms", num_transforms},
          {"hidden", hidden},
          {"num_blocks", num_blocks},
          {"residual", residual ? 1.0 : 0.0},
          {"activation", static_cast<double>(activation)},
          {"log_scale_clamp", log_scale_clamp},
          {"seed", static_cast<double>(seed)}};
}

RealNVPOptions RealNVPOptions::from_hyperparameters(const Hyperparameters& h) {
  auto get = [&h](const char* key) {
    auto it = h.find(key);
    core::check(it != h.end(), std::string("RealNVP: hyperparameter '") + key + "' missing");
    return it->second;
  };
  RealNVPOptions o;
  o.theta_dim = static_cast<int>(get("theta_dim"));
  o.context_dim = static_cast<int>(get("context_dim"));
  o.num_transforms = static_cast<int>(get("num_transforms"));
  o.hidden = static_cast<int>(get("hidden"));
  o.num_blocks = static_cast<int>(get("num_blocks"));
  o.residual = get("residual") != 0.0;
  o.activation = static_cast<nn::Activation>(static_cast<int>(get("activation")));
  o.log_scale_clamp = get("log_scale_clamp");
  o.seed = static_cast<std::uint64_t>(get("seed"));
  return o;
}

RealNVP::RealNVP(const RealNVPOptions& options) : options_(options) {
  std::string error;
  core::check(options.is_valid(&error), "RealNVP: " + error);
  const int d = options.theta_dim;
  core::Rng rng(options.seed, 0);
  nn::MlpOptions net;
  net.hidden = options.hidden;
  net.num_layers = options.num_blocks;
  net.residual = options.residual;
  net.activation = options.activation;
  net.output_init = nn::Init::kZero;  // every layer starts as the identity
  std::vector<int> a, b;
  for (int k = 0; k < options.num_transforms; ++k) {
    if (d == 1) {
      a = {};
      b = {0};
    } else if (k % 2 == 0) {
      std::vector<int> perm(d);
      std::iota(perm.begin(), perm.end(), 0);
      core::Rng perm_rng(options.seed, 1000 + k);
      if (k > 0)  // Fisher-Yates with the portable generator
        for (int i = d - 1; i > 0; --i) std::swap(perm[i], perm[perm_rng.below(i + 1)]);
      a.assign(perm.begin(), perm.begin() + d / 2);
      b.assign(perm.begin() + d / 2, perm.end());
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
    } else {
      std::swap(a, b);  // complementary partition: what was kept is now transformed
    }
    layers_.emplace_back(a, b, options.context_dim, net, options.log_scale_clamp, &rng);
  }
}

void RealNVP::check_shapes(const char* function, const Matrix* theta, const Matrix& context) const {
  auto fail = [&](const std::string& what) {
    throw core::Error(std::string("RealNVP::") + function + ": " + what);
  };
  if (context.rows() != options_.context_dim)
    fail("context has " + std::to_string(context.rows()) + " rows, expected " +
         std::to_string(options_.context_dim));
  if (theta != nullptr) {
    if (theta->rows() != options_.theta_dim)
      fail("theta has " + std::to_string(theta->rows()) + " rows, expected " +
           std::to_string(options_.theta_dim));
    if (theta->cols() != context.cols())
      fail("theta has " + std::to_string(theta->cols()) + " columns but context has " +
           std::to_string(context.cols()));
  }
}

void RealNVP::forward(const Matrix& theta, const Matrix& context, RealNVPCache* c) const {
  const size_t n = layers_.size();
  c->u.resize(n);
  c->layers.resize(n);
  c->log_det.setZero(1, theta.cols());
  c->u[0] = theta;
  for (size_t k = 0; k < n; ++k) {
    Matrix* out = (k + 1 < n) ? &c->u[k + 1] : &c->z;
    layers_[k].forward(c->u[k], context, out, &c->log_det, &c->layers[k]);
  }
}

Matrix RealNVP::inverse(const Matrix& z, const Matrix& context, Matrix* log_det) const {
  CouplingCache cache;
  Matrix u = z, next;
  for (size_t k = layers_.size(); k-- > 0;) {
    layers_[k].inverse(u, context, &next, &cache);
    if (log_det != nullptr) *log_det -= cache.s.colwise().sum();  // inverse scales by e^-s
    u.swap(next);
  }
  return u;
}

Vector RealNVP::log_prob(const Matrix& theta, const Matrix& context) const {
  check_shapes("log_prob", &theta, context);
  const Eigen::Index n = theta.cols();
  Vector out(n);
#pragma omp parallel for schedule(dynamic, 1)
  for (Eigen::Index start = 0; start < n; start += kChunk) {
    const Eigen::Index len = std::min(kChunk, n - start);
    RealNVPCache cache;
    forward(theta.middleCols(start, len), context.middleCols(start, len), &cache);
    out.segment(start, len) = standard_normal_log_prob(cache.z) + cache.log_det.row(0).transpose();
  }
  return out;
}

Matrix RealNVP::sample(const Matrix& context, core::Rng* rng, Vector* log_prob) const {
  check_shapes("sample", nullptr, context);
  const Eigen::Index n = context.cols();
  Matrix z(options_.theta_dim, n);
  for (Eigen::Index i = 0; i < z.size(); ++i) z.data()[i] = rng->normal();
  Matrix theta(options_.theta_dim, n);
  if (log_prob != nullptr) log_prob->resize(n);
#pragma omp parallel for schedule(dynamic, 1)
  for (Eigen::Index start = 0; start < n; start += kChunk) {
    const Eigen::Index len = std::min(kChunk, n - start);
    // log q(theta) = log N(z) + log|det d z / d theta| = log N(z) - log|det d theta / d z|.
    Matrix log_det_inverse = Matrix::Zero(1, len);
    theta.middleCols(start, len) =
        inverse(z.middleCols(start, len), context.middleCols(start, len), &log_det_inverse);
    if (log_prob != nullptr)
      log_prob->segment(start, len) = standard_normal_log_prob(z.middleCols(start, len)) -
                                      log_det_inverse.row(0).transpose();
  }
  return theta;
}

void RealNVP::backward(RealNVPCache* c, double weight, Matrix* grad, Matrix* grad_context,
                       bool param_grads) {
  // L = -weight * sum_j [log N(z_j) + log_det_j]: dL/dz = weight * z, dL/dlog_det = -weight.
  *grad = weight * c->z;
  const Matrix grad_log_det = Matrix::Constant(1, c->z.cols(), -weight);
  if (grad_context != nullptr) grad_context->setZero(options_.context_dim, c->z.cols());
  for (size_t k = layers_.size(); k-- > 0;)
    layers_[k].backward(&c->layers[k], grad_log_det, grad, grad_context, param_grads);
}

double RealNVP::loss_and_gradient(const Matrix& theta, const Matrix& context, Matrix* grad_context) {
  check_shapes("loss_and_gradient", &theta, context);
  forward(theta, context, &train_cache_);
  const double n = static_cast<double>(theta.cols());
  const double loss =
      -(standard_normal_log_prob(train_cache_.z).sum() + train_cache_.log_det.sum()) / n;
  Matrix grad_theta;
  backward(&train_cache_, 1.0 / n, &grad_theta, grad_context, true);
  return loss;
}

Vector RealNVP::log_prob_and_gradient(const Matrix& theta, const Matrix& context, Matrix* grad_theta) {
  check_shapes("log_prob_and_gradient", &theta, context);
  RealNVPCache cache;
  forward(theta, context, &cache);
  Vector lp = standard_normal_log_prob(cache.z) + cache.log_det.row(0).transpose();
  if (grad_theta != nullptr) backward(&cache, -1.0, grad_theta, nullptr, false);
  return lp;
}

nn::Parameters RealNVP::parameters() {
  nn::Parameters out;
  for (size_t k = 0; k < layers_.size(); ++k)
    nn::append_parameters("coupling" + std::to_string(k), layers_[k].parameters(), &out);
  return out;
}

}  // namespace sbi::flows
