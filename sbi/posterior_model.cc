#include "sbi/posterior_model.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/memory_budget.h"
#include "sbi/density_factory.h"
#include "nn/deepsets.h"
#include "sbi/model_size.h"

namespace sbi {

namespace {
std::vector<std::string> numbered(const std::string& prefix, int n) {
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) names.push_back(prefix + std::to_string(i));
  return names;
}

std::string name_of(const std::vector<std::string>& names, Eigen::Index i, const char* prefix) {
  return i < static_cast<Eigen::Index>(names.size()) ? names[i] : prefix + std::to_string(i);
}
}  // namespace

PosteriorModel PosteriorModel::create(const ModelOptions& options, int theta_dim, int x_dim,
                                      const core::DataShape& x_shape) {
  core::check_valid(options, "");
  core::check(theta_dim >= 1 && x_dim >= 1, "PosteriorModel::create: theta_dim and x_dim must be >= 1");
  const core::DataShape shape =
      x_shape.kind == core::DataShape::Kind::kVector ? core::DataShape::vector(x_dim) : x_shape;
  shape.check("PosteriorModel::create");
  core::check(shape.flat_dim() == x_dim, "PosteriorModel::create: the data shape (" +
                                             shape.describe() + ") does not match x dimension " +
                                             std::to_string(x_dim));
  // The whole network, before any layer is allocated (each Dense also checks itself).
  const ModelSize size = estimate_model_size(options, theta_dim, x_dim, x_shape);
  core::check_memory(training_weight_bytes(size), size.description);
  PosteriorModel m;
  m.x_shape = shape;
  if (options.embedding == EmbeddingKind::kDeepSets) {
    core::check(x_shape.is_set(),
                "the deepsets embedding needs set data: x must be a flattened set of rows (a "
                "simulation file with root attributes set_size and set_features, as `sbi "
                "simulate --task dwarf` writes)");
    nn::DeepSetsOptions e;
    e.set_size = x_shape.set_size;
    e.features = x_shape.features;
    e.masked = x_shape.masked;
    e.hidden = options.embedding_hidden;
    e.phi_layers = options.embedding_layers;
    e.phi_dim = options.embedding_hidden;
    e.rho_layers = options.embedding_layers;
    e.out_dim = options.embedding_dim;
    e.pooling = options.pooling;
    e.activation = options.embedding_activation();
    e.set_norm = options.set_norm;
    core::Rng rng(options.seed, 7);
    m.embedding = std::make_unique<nn::DeepSetsEmbedding>(e, &rng);
  } else if (options.embedding == EmbeddingKind::kCnn) {
    core::check(x_shape.is_image(),
                "the cnn embedding needs image data: x must be stored as (N, H, W) or (N, C, H, W) "
                "(got " + shape.describe() + ")");
    const nn::CnnOptions e = cnn_options(options, x_shape);
    core::Rng rng(options.seed, 7);
    m.embedding = std::make_unique<nn::CnnEmbedding>(e, &rng);
  } else if (options.embedding == EmbeddingKind::kMlp) {
    nn::MlpOptions e;
    e.in = x_dim;
    e.out = options.embedding_dim;
    e.hidden = options.embedding_hidden;
    e.num_layers = options.embedding_layers;
    e.activation = options.embedding_activation();
    core::Rng rng(options.seed, 7);
    m.embedding = std::make_unique<nn::MlpEmbedding>(e, &rng);
  } else {
    m.embedding = std::make_unique<nn::IdentityEmbedding>(x_dim);
  }
  sbi::DensityOptions d = options.density;
  d.theta_dim = theta_dim;
  d.context_dim = m.embedding->out_dim();
  d.seed = options.seed;
  m.density = sbi::make_density(d);
  m.theta_norm = Standardizer::identity(theta_dim);
  m.x_norm = Standardizer::identity(x_dim);
  m.parameter_names = numbered("theta_", theta_dim);
  m.data_names = numbered("x_", x_dim);
  return m;
}

void PosteriorModel::check_observation(const Eigen::MatrixXd& x, const std::string& what) const {
  core::check(x.rows() == x_dim(), what + " has dimension " + std::to_string(x.rows()) +
                                       ", but the model was trained on data of dimension " +
                                       std::to_string(x_dim()));
  if (!x_norm.has_mask()) {
    core::check(x.allFinite(), what + " contains NaN or Inf");
    return;
  }
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    core::check(!x_norm.mask[i] || x.row(i).allFinite(),
                what + " contains NaN or Inf at " + name_of(data_names, i, "x_") +
                    ", a pixel the model's mask uses");
}

void PosteriorModel::set_x_mask(const Standardizer::Mask& mask, const std::string& source) {
  core::check(!x_shape.is_set(), "set_x_mask: x is " + x_shape.describe() +
                                     "; a mask applies to images and vectors");
  core::check(mask.size() == x_dim(), "set_x_mask: the mask has " + std::to_string(mask.size()) +
                                          " entries, but x has " + std::to_string(x_dim()));
  core::check(mask.any(), "set_x_mask: the mask leaves no dimension of x to use");
  x_norm.mask = mask;
  x_mask_source = source;
}

Eigen::MatrixXd PosteriorModel::context(const Eigen::MatrixXd& x) const {
  return embedding->embed(x_norm.apply(x));
}

Eigen::VectorXd PosteriorModel::log_prob(const Eigen::MatrixXd& theta, const Eigen::MatrixXd& x) const {
  check_observation(x, "log_prob: x");
  core::check(theta.rows() == theta_dim(), "log_prob: theta has " + std::to_string(theta.rows()) +
                                               " rows, expected " + std::to_string(theta_dim()));
  core::check(x.cols() == 1 || x.cols() == theta.cols(),
              "log_prob: x must have 1 column or as many as theta");
  if (other_members.empty()) return member_log_prob(theta, x);
  // log (1/K) Σ_k q_k, with the largest term factored out.
  Eigen::MatrixXd per_member(ensemble_size(), theta.cols());
  per_member.row(0) = member_log_prob(theta, x).transpose();
  for (size_t k = 0; k < other_members.size(); ++k)
    per_member.row(static_cast<Eigen::Index>(k) + 1) = other_members[k].member_log_prob(theta, x).transpose();
  const Eigen::RowVectorXd top = per_member.colwise().maxCoeff();
  const Eigen::RowVectorXd sum = (per_member.rowwise() - top).array().exp().matrix().colwise().sum();
  return (top.array() + sum.array().log() - std::log(static_cast<double>(ensemble_size()))).transpose();
}

Eigen::VectorXd PosteriorModel::member_log_prob(const Eigen::MatrixXd& theta, const Eigen::MatrixXd& x) const {
  Eigen::MatrixXd c = context(x);
  if (c.cols() == 1 && theta.cols() != 1) c = c.replicate(1, theta.cols()).eval();
  if (!theta_unbounding) return density->log_prob(theta_norm.apply(theta), c).array() + theta_norm.log_abs_det();
  // log q(θ) = log q_z(z) + log |dz/du| - log |dθ/du|; zero density outside the support.
  const Eigen::MatrixXd u = theta_unbounding->to_unconstrained_columns(theta);
  Eigen::VectorXd lp = density->log_prob(theta_norm.apply(u), c).array() + theta_norm.log_abs_det() -
                       theta_unbounding->log_abs_det_jacobian(u).array();
  zero_outside_prior(theta, &lp, nullptr);
  return lp;
}

Eigen::VectorXd PosteriorModel::log_prob_and_gradient(const Eigen::MatrixXd& theta,
                                                      const Eigen::VectorXd& x,
                                                      Eigen::MatrixXd* grad_theta) {
  check_observation(x, "log_prob_and_gradient: x");
  if (other_members.empty()) return member_log_prob_and_gradient(theta, x, grad_theta);
  // d log (1/K) Σ_k q_k = Σ_k w_k d log q_k with w_k = q_k / Σ_j q_j.
  std::vector<Eigen::MatrixXd> grads(1);
  std::vector<Eigen::VectorXd> lp{
      member_log_prob_and_gradient(theta, x, grad_theta != nullptr ? &grads[0] : nullptr)};
  for (PosteriorModel& m : other_members) {
    grads.emplace_back();
    lp.push_back(m.member_log_prob_and_gradient(theta, x, grad_theta != nullptr ? &grads.back() : nullptr));
  }
  Eigen::VectorXd top = lp[0];
  for (const Eigen::VectorXd& l : lp) top = top.cwiseMax(l);
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(theta.cols());
  for (const Eigen::VectorXd& l : lp) sum.array() += (l - top).array().exp();
  if (grad_theta != nullptr) {
    grad_theta->setZero(theta.rows(), theta.cols());
    for (size_t k = 0; k < lp.size(); ++k)
      *grad_theta += grads[k] * ((lp[k] - top).array().exp() / sum.array()).matrix().asDiagonal();
  }
  return top.array() + sum.array().log() - std::log(static_cast<double>(ensemble_size()));
}

Eigen::VectorXd PosteriorModel::member_log_prob_and_gradient(const Eigen::MatrixXd& theta,
                                                             const Eigen::VectorXd& x,
                                                             Eigen::MatrixXd* grad_theta) {
  const Eigen::MatrixXd c = context(x).replicate(1, theta.cols());
  const Eigen::MatrixXd u = unbounded(theta);
  Eigen::VectorXd lp =
      density->log_prob_and_gradient(theta_norm.apply(u), c, grad_theta).array() +
      theta_norm.log_abs_det();
  // d/du = d/dz dz/du = d/dz / std.
  if (grad_theta != nullptr) *grad_theta = grad_theta->array().colwise() / theta_norm.std.array();
  if (!theta_unbounding) return lp;
  // log q(θ) = log q_u(u) + log |du/dθ|: d/dθ = d/du du/dθ + d log |du/dθ| / dθ, du/dθ = 1 / (dθ/du).
  lp -= theta_unbounding->log_abs_det_jacobian(u);
  if (grad_theta != nullptr) {
    for (Eigen::Index j = 0; j < theta.cols(); ++j)
      grad_theta->col(j).array() /= theta_unbounding->jacobian_diagonal(u.col(j)).array();
    *grad_theta += theta_unbounding->log_abs_det_inverse_gradient(theta);
  }
  zero_outside_prior(theta, &lp, grad_theta);
  return lp;
}

Eigen::MatrixXd PosteriorModel::draw(long n, const Eigen::VectorXd& x, core::Rng* rng,
                                     Eigen::VectorXd* log_prob) const {
  check_observation(x, "observation");
  if (other_members.empty()) {
    Eigen::MatrixXd theta = member_draw(n, x, rng, log_prob);
    check_draws(theta, log_prob, x);
    return theta;
  }
  // Each draw's member uniformly at random, then each member's draws in one batch, put back
  // in the order of the members drawn (so that any subset of the draws is a mixture draw).
  const int k_members = ensemble_size();
  std::vector<int> member(static_cast<size_t>(n));
  std::vector<long> count(static_cast<size_t>(k_members), 0);
  for (int& m : member) {
    m = std::min(k_members - 1, static_cast<int>(rng->uniform() * k_members));
    ++count[static_cast<size_t>(m)];
  }
  Eigen::MatrixXd theta(theta_dim(), n);
  for (int k = 0; k < k_members; ++k) {
    if (count[static_cast<size_t>(k)] == 0) continue;
    const PosteriorModel& m = k == 0 ? *this : other_members[static_cast<size_t>(k) - 1];
    const Eigen::MatrixXd drawn = m.member_draw(count[static_cast<size_t>(k)], x, rng, nullptr);
    Eigen::Index next = 0;
    for (long j = 0; j < n; ++j)
      if (member[static_cast<size_t>(j)] == k) theta.col(j) = drawn.col(next++);
  }
  check_draws(theta, nullptr, x);
  if (log_prob != nullptr) {
    *log_prob = this->log_prob(theta, x);
    check_draws(theta, log_prob, x);
  }
  return theta;
}

Eigen::MatrixXd PosteriorModel::member_draw(long n, const Eigen::VectorXd& x, core::Rng* rng,
                                            Eigen::VectorXd* log_prob) const {
  const Eigen::MatrixXd c = context(x).replicate(1, n);
  const Eigen::MatrixXd u = theta_norm.invert(density->sample(c, rng, log_prob));
  if (log_prob != nullptr) log_prob->array() += theta_norm.log_abs_det();
  if (!theta_unbounding) return u;
  if (log_prob != nullptr) *log_prob -= theta_unbounding->log_abs_det_jacobian(u);
  return theta_unbounding->to_theta_columns(u);
}

Eigen::MatrixXd PosteriorModel::unbounded(const Eigen::MatrixXd& theta) const {
  return theta_unbounding ? theta_unbounding->to_unconstrained_columns(theta) : theta;
}

const core::Prior& PosteriorModel::unbounding_prior() const {
  core::check(prior.has_value(), "a model with unbounded theta needs its prior (the support it maps)");
  return *prior;
}

void PosteriorModel::zero_outside_prior(const Eigen::MatrixXd& theta, Eigen::VectorXd* log_prob,
                                        Eigen::MatrixXd* grad_theta) const {
  const core::Prior& support = unbounding_prior();
  for (Eigen::Index j = 0; j < theta.cols(); ++j)
    if (!support.in_support(theta.col(j))) {
      (*log_prob)[j] = -std::numeric_limits<double>::infinity();
      if (grad_theta != nullptr) grad_theta->col(j).setZero();
    }
}

Eigen::MatrixXd PosteriorModel::density_coordinates(const Eigen::MatrixXd& theta) const {
  if (theta_unbounding)
    for (Eigen::Index j = 0; j < theta.cols(); ++j)
      core::check(unbounding_prior().in_support(theta.col(j)),
                  "theta of simulation " + std::to_string(j) + " lies outside the prior's support, which "
                  "--unbounded-theta maps onto R^D; leave out --unbounded-theta or the simulation");
  return theta_norm.apply(unbounded(theta));
}

Eigen::VectorXd PosteriorModel::log_abs_det_density_to_theta(const Eigen::MatrixXd& theta) const {
  // |dθ/dz| = |dθ/du| |du/dz|, du/dz = std.
  Eigen::VectorXd log_det = Eigen::VectorXd::Constant(theta.cols(), -theta_norm.log_abs_det());
  if (theta_unbounding) log_det += theta_unbounding->log_abs_det_jacobian(unbounded(theta));
  return log_det;
}

void PosteriorModel::set_unbounded_theta(const core::Prior& p) {
  core::check(!is_likelihood(), "unbounded theta is for posterior models, not likelihoods");
  core::check(p.dim() == theta_dim(), "the prior has " + std::to_string(p.dim()) + " dimensions but theta has " +
                                          std::to_string(theta_dim()));
  prior = p;
  theta_unbounding = SupportTransform(p);
}

void PosteriorModel::add_member(PosteriorModel member) {
  core::check(member.other_members.empty(), "add_member: a member is one model, not an ensemble");
  core::check(member.target == target && member.theta_dim() == theta_dim() && member.x_dim() == x_dim() &&
                  member.x_shape.describe() == x_shape.describe(),
              "an ensemble's members must model the same quantity with the same dimensions and data shape (" +
                  std::to_string(theta_dim()) + " given " + x_shape.describe() + "; this member: " +
                  std::to_string(member.theta_dim()) + " given " + member.x_shape.describe() + ")");
  core::check(member.has_unbounded_theta() == has_unbounded_theta(),
              "an ensemble's members must all model theta unbounded (sbi train --unbounded-theta) or none");
  core::check(member.x_norm.mask.size() == x_norm.mask.size() &&
                  (x_norm.mask.size() == 0 || (member.x_norm.mask == x_norm.mask).all()),
              "an ensemble's members must use the same mask of x");
  other_members.push_back(std::move(member));
}

void PosteriorModel::check_draws(const Eigen::MatrixXd& theta, const Eigen::VectorXd* log_prob,
                                 const Eigen::VectorXd& x) const {
  Eigen::Index bad_row = -1, bad_col = -1;
  for (Eigen::Index j = 0; j < theta.cols() && bad_col < 0; ++j) {
    for (Eigen::Index i = 0; i < theta.rows() && bad_col < 0; ++i)
      if (!std::isfinite(theta(i, j))) bad_row = i, bad_col = j;
    if (bad_col < 0 && log_prob != nullptr && !std::isfinite((*log_prob)[j])) bad_col = j;
  }
  if (bad_col < 0) return;
  const std::string what =
      bad_row >= 0 ? name_of(parameter_names, bad_row, "theta_") + " is " +
                         (std::isnan(theta(bad_row, bad_col)) ? "NaN" : "Inf")
                   : std::string("log q is ") + (std::isnan((*log_prob)[bad_col]) ? "NaN" : "Inf");
  std::string message = "the model produced a non-finite posterior draw (draw " +
                        std::to_string(bad_col) + ": " + what +
                        ") for a finite observation: its weights or normalisation are damaged "
                        "(NaN/Inf) or its training diverged; retrain the model";
  // An observation far outside the training data can overflow a network too: say so.
  const Eigen::VectorXd z = x_norm.apply(x).cwiseAbs();
  Eigen::Index far = 0;
  if (z.size() > 0 && z.maxCoeff(&far) > 1e6)
    message += " (also, the observation's " + name_of(data_names, far, "x_") + " is " +
               std::to_string(z[far]) + " training standard deviations from the training mean)";
  throw core::Error(message);
}

PosteriorModel PosteriorModel::copy_networks() {
  PosteriorModel copy;
  copy.density = make_density(density->kind(), density->hyperparameters());
  copy.embedding = nn::make_embedding(embedding->kind(), embedding->hyperparameters(), 0);
  nn::unflatten_values(nn::flatten_values(parameters()), copy.parameters());
  return copy;
}

nn::Parameters PosteriorModel::parameters() {
  nn::Parameters out;
  nn::append_parameters("embedding", embedding->parameters(), &out);
  nn::append_parameters("density", density->parameters(), &out);
  return out;
}

}  // namespace sbi
