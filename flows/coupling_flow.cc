#include "flows/coupling_flow.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"

namespace sbi::flows {
namespace {

// Below this many columns an inference pass stays in double: rounding the weights to float
// would cost more than the products save.
constexpr Eigen::Index kFloatMinColumns = 64;

constexpr double kLog2Pi = 1.8378770664093454836;

// Standard normal log-density of each column.
Vector standard_normal_log_prob(const Matrix& z) {
  return (-0.5 * z.colwise().squaredNorm().array() - 0.5 * z.rows() * kLog2Pi).transpose();
}

// Columns per parallel chunk in log_prob / sample: enough for efficient matrix products,
// few enough that a hidden x chunk buffer stays under glibc's 128 KiB mmap threshold, so
// each chunk's buffers come from the heap instead of fresh zero-filled pages (which cost
// half the sampling time at 512 columns, measured with perf).
Eigen::Index chunk_columns(int hidden) {
  return std::clamp<Eigen::Index>(96 * 1024 / (8 * hidden), 32, 512);
}

}  // namespace


bool CouplingFlowOptions::is_valid(const char* type, std::string* error) const {
  const std::string t = std::string(type) + "::";
  if (theta_dim < 1) *error = t + "theta_dim = " + std::to_string(theta_dim) + " must be >= 1";
  else if (context_dim < 0) *error = t + "context_dim must be >= 0";
  else if (num_transforms < 1) *error = t + "num_transforms = " + std::to_string(num_transforms) + " must be >= 1";
  else if (hidden < 1) *error = t + "hidden = " + std::to_string(hidden) + " must be >= 1";
  else if (num_blocks < 0) *error = t + "num_blocks must be >= 0";
  else return true;
  return false;
}

void CouplingFlowOptions::to_hyperparameters(Hyperparameters* h) const {
  h->set("theta_dim", theta_dim);
  h->set("context_dim", context_dim);
  h->set("num_transforms", num_transforms);
  h->set("hidden", hidden);
  h->set("num_blocks", num_blocks);
  h->set("residual", residual);
  h->set("activation", nn::activation_name(activation));
  h->set_uint64("seed", seed);
  h->set("inference_precision", nn::precision_name(inference_precision));
  h->set("training_precision", nn::precision_name(training_precision));
}

void CouplingFlowOptions::from_hyperparameters(const Hyperparameters& h) {
  theta_dim = h.get_int("theta_dim");
  context_dim = h.get_int("context_dim");
  num_transforms = h.get_int("num_transforms");
  hidden = h.get_int("hidden");
  num_blocks = h.get_int("num_blocks");
  residual = h.get_bool("residual");
  activation = h.get_enum("activation", nn::parse_activation, nn::activation_names());
  seed = h.get_uint64("seed");
  inference_precision = h.has("inference_precision")  // absent before 2026-12-03: double
                            ? h.get_enum("inference_precision", nn::parse_precision,
                                         nn::precision_names())
                            : InferencePrecision::kFloat64;
  training_precision = h.has("training_precision")  // absent before 2026-12-04: double
                           ? h.get_enum("training_precision", nn::parse_precision,
                                        nn::precision_names())
                           : nn::Precision::kFloat64;
}

CouplingFlow::CouplingFlow(const CouplingFlowOptions& options, std::unique_ptr<ElementwiseMap> map,
                           std::string name)
    : options_(options), map_(std::move(map)), name_(std::move(name)) {
  std::string error;
  if (!options.is_valid(name_.c_str(), &error)) throw core::Error(name_ + ": " + error);
  core::check(map_ != nullptr, name_ + ": no elementwise map");
  const int d = options.theta_dim;
  core::Rng rng(options.seed, 0);
  nn::MlpOptions net;
  net.hidden = options.hidden;
  net.num_layers = options.num_blocks;
  net.residual = options.residual;
  net.activation = options.activation;
  net.output_init = nn::Init::kZero;  // every layer starts as the identity (params = 0)
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
    layers_.emplace_back(a, b, options.context_dim, net, map_.get(), &rng);
  }
}


void CouplingFlow::forward(const Matrix& theta, const Matrix& context, CouplingFlowCache* c,
                           nn::Precision precision) const {
  const size_t n = layers_.size();
  c->u.resize(n);
  c->layers.resize(n);
  for (CouplingCache& layer : c->layers) layer.net.precision = precision;
  c->log_det.setZero(1, theta.cols());
  c->u[0] = theta;
  for (size_t k = 0; k < n; ++k) {
    Matrix* out = (k + 1 < n) ? &c->u[k + 1] : &c->z;
    layers_[k].forward(c->u[k], context, out, &c->log_det, &c->layers[k]);
  }
}

Matrix CouplingFlow::to_base(const Matrix& theta, const Matrix& context, Matrix* log_det) const {
  CouplingCache cache;
  Matrix u = theta, next;
  for (size_t k = 0; k < layers_.size(); ++k) {
    layers_[k].forward(u, context, &next, log_det, &cache);
    u.swap(next);
  }
  return u;
}

Matrix CouplingFlow::inverse(const Matrix& z, const Matrix& context, Matrix* log_det) const {
  CouplingCache cache;
  Matrix u = z, next;
  for (size_t k = layers_.size(); k-- > 0;) {
    layers_[k].inverse(u, context, &next, log_det, &cache);
    u.swap(next);
  }
  return u;
}

bool CouplingFlow::runs_in_float(Eigen::Index columns) const {
  return options_.inference_precision == InferencePrecision::kFloat32 && columns >= kFloatMinColumns;
}

std::vector<nn::FloatMlp> CouplingFlow::float_nets() const {
  std::vector<nn::FloatMlp> nets;
  for (const CouplingLayer& layer : layers_) nets.push_back(layer.float_net());
  return nets;
}

Matrix CouplingFlow::to_base(const std::vector<nn::FloatMlp>& nets, const Matrix& theta, const Matrix& context,
                             Matrix* log_det) const {
  FloatCouplingCache cache;
  const nn::MatrixF c = context.cast<float>();
  Matrix u = theta, next;
  for (size_t k = 0; k < layers_.size(); ++k) {
    layers_[k].forward(nets[k], u, c, &next, log_det, &cache);
    u.swap(next);
  }
  return u;
}

Matrix CouplingFlow::inverse(const std::vector<nn::FloatMlp>& nets, const Matrix& z, const Matrix& context,
                             Matrix* log_det) const {
  FloatCouplingCache cache;
  const nn::MatrixF c = context.cast<float>();
  Matrix u = z, next;
  for (size_t k = layers_.size(); k-- > 0;) {
    layers_[k].inverse(nets[k], u, c, &next, log_det, &cache);
    u.swap(next);
  }
  return u;
}

Vector CouplingFlow::log_prob(const Matrix& theta, const Matrix& context) const {
  check_shapes(name_, "log_prob", &theta, context);
  const Eigen::Index n = theta.cols();
  Vector out(n);
  const Eigen::Index chunk = chunk_columns(options_.hidden);
  const bool single = runs_in_float(n);
  const std::vector<nn::FloatMlp> nets = single ? float_nets() : std::vector<nn::FloatMlp>();
#pragma omp parallel for schedule(dynamic, 1) if (n > chunk)
  for (Eigen::Index start = 0; start < n; start += chunk) {
    const Eigen::Index len = std::min(chunk, n - start);
    Matrix log_det = Matrix::Zero(1, len);
    const Matrix z = single ? to_base(nets, theta.middleCols(start, len), context.middleCols(start, len), &log_det)
                            : to_base(theta.middleCols(start, len), context.middleCols(start, len), &log_det);
    out.segment(start, len) = standard_normal_log_prob(z) + log_det.row(0).transpose();
  }
  return out;
}

Matrix CouplingFlow::sample(const Matrix& context, core::Rng* rng, Vector* log_prob) const {
  check_shapes(name_, "sample", nullptr, context);
  const Eigen::Index n = context.cols();
  Matrix z(options_.theta_dim, n);
  for (Eigen::Index i = 0; i < z.size(); ++i) z.data()[i] = rng->normal();
  Matrix theta(options_.theta_dim, n);
  if (log_prob != nullptr) log_prob->resize(n);
  const Eigen::Index chunk = chunk_columns(options_.hidden);
  const bool single = runs_in_float(n);
  const std::vector<nn::FloatMlp> nets = single ? float_nets() : std::vector<nn::FloatMlp>();
#pragma omp parallel for schedule(dynamic, 1) if (n > chunk)
  for (Eigen::Index start = 0; start < n; start += chunk) {
    const Eigen::Index len = std::min(chunk, n - start);
    // log q(theta) = log N(z) + log|det d z / d theta| = log N(z) - log|det d theta / d z|.
    Matrix log_det_inverse = Matrix::Zero(1, len);
    theta.middleCols(start, len) =
        single ? inverse(nets, z.middleCols(start, len), context.middleCols(start, len), &log_det_inverse)
               : inverse(z.middleCols(start, len), context.middleCols(start, len), &log_det_inverse);
    if (log_prob != nullptr)
      log_prob->segment(start, len) = standard_normal_log_prob(z.middleCols(start, len)) -
                                      log_det_inverse.row(0).transpose();
  }
  return theta;
}

void CouplingFlow::backward(CouplingFlowCache* c, double weight, Matrix* grad, Matrix* grad_context,
                            bool param_grads) {
  // L = -weight * sum_j [log N(z_j) + log_det_j]: dL/dz = weight * z, dL/dlog_det = -weight.
  *grad = weight * c->z;
  const Matrix grad_log_det = Matrix::Constant(1, c->z.cols(), -weight);
  if (grad_context != nullptr) grad_context->setZero(options_.context_dim, c->z.cols());
  for (size_t k = layers_.size(); k-- > 0;)
    layers_[k].backward(&c->layers[k], grad_log_det, grad, grad_context, param_grads);
}

void CouplingFlow::backward(CouplingFlowCache* c, const Eigen::RowVectorXd& weights, Matrix* grad,
                            Matrix* grad_context, bool param_grads) {
  // L = -sum_j w_j [log N(z_j) + log_det_j]: dL/dz_j = w_j z_j, dL/dlog_det_j = -w_j.
  *grad = c->z * weights.asDiagonal();
  const Matrix grad_log_det = -weights;
  if (grad_context != nullptr) grad_context->setZero(options_.context_dim, c->z.cols());
  for (size_t k = layers_.size(); k-- > 0;)
    layers_[k].backward(&c->layers[k], grad_log_det, grad, grad_context, param_grads);
}

Vector CouplingFlow::train_log_prob(const Matrix& theta, const Matrix& context) {
  check_shapes(name_, "train_log_prob", &theta, context);
  forward(theta, context, &train_cache_, options_.training_precision);
  return standard_normal_log_prob(train_cache_.z) + train_cache_.log_det.row(0).transpose();
}

void CouplingFlow::add_log_prob_gradient(const Vector& weights, Matrix* grad_context) {
  core::check(weights.size() == train_cache_.z.cols(),
              name_ + "::add_log_prob_gradient: " + std::to_string(weights.size()) + " weights for a pass of " +
                  std::to_string(train_cache_.z.cols()) + " columns");
  Matrix grad_theta;
  // The gradient of sum_j c_j log q_j is that of -sum_j (-c_j) log q_j.
  backward(&train_cache_, Eigen::RowVectorXd(-weights.transpose()), &grad_theta, grad_context, true);
}

double CouplingFlow::loss_and_gradient(const Matrix& theta, const Matrix& context, Matrix* grad_context) {
  check_shapes(name_, "loss_and_gradient", &theta, context);
  forward(theta, context, &train_cache_, options_.training_precision);
  const double n = static_cast<double>(theta.cols());
  const double loss =
      -(standard_normal_log_prob(train_cache_.z).sum() + train_cache_.log_det.sum()) / n;
  Matrix grad_theta;
  backward(&train_cache_, 1.0 / n, &grad_theta, grad_context, true);
  return loss;
}

Vector CouplingFlow::log_prob_and_gradient(const Matrix& theta, const Matrix& context, Matrix* grad_theta) {
  check_shapes(name_, "log_prob_and_gradient", &theta, context);
  CouplingFlowCache cache;
  forward(theta, context, &cache);
  Vector lp = standard_normal_log_prob(cache.z) + cache.log_det.row(0).transpose();
  if (grad_theta != nullptr) backward(&cache, -1.0, grad_theta, nullptr, false);
  return lp;
}

nn::Parameters CouplingFlow::parameters() {
  nn::Parameters out;
  for (size_t k = 0; k < layers_.size(); ++k)
    nn::append_parameters("coupling" + std::to_string(k), layers_[k].parameters(), &out);
  return out;
}

}  // namespace sbi::flows
