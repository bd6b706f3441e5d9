#include "flows/vector_field.h"

#include <cmath>

#include "core/enum_names.h"
#include "core/error.h"
#include "nn/dense.h"

namespace sbi::flows {
namespace {

// y = W x + b.
void affine(const Matrix& w, const Matrix& b, const Matrix& x, Matrix* y) {
  y->resize(w.rows(), x.cols());
  y->noalias() = w * x;
  y->colwise() += b.col(0);
}

// Multiplies each of the K blocks of N columns of m elementwise by d (rows x N).
void multiply_blocks(const Matrix& d, Matrix* m) {
  const Eigen::Index n = d.cols();
  for (Eigen::Index start = 0; start < m->cols(); start += n)
    m->middleCols(start, n).array() *= d.array();
}

const core::EnumNames<TimeEmbedding>& time_embeddings() {
  static const core::EnumNames<TimeEmbedding> names("time embedding", {"dyadic", "gaussian"});
  return names;
}

}  // namespace

TimeEmbedding parse_time_embedding(const std::string& name) { return time_embeddings().parse(name); }
std::string time_embedding_name(TimeEmbedding value) { return time_embeddings().name(value); }
std::vector<std::string> time_embedding_names() { return time_embeddings().names(); }

bool VectorFieldOptions::is_valid(std::string* error) const {
  if (theta_dim < 1) *error = "VectorFieldOptions::theta_dim = " + std::to_string(theta_dim) + " must be >= 1";
  else if (context_dim < 0) *error = "VectorFieldOptions::context_dim = " + std::to_string(context_dim) + " must be >= 0";
  else if (hidden < 1) *error = "VectorFieldOptions::hidden = " + std::to_string(hidden) + " must be >= 1";
  else if (num_blocks < 0) *error = "VectorFieldOptions::num_blocks = " + std::to_string(num_blocks) + " must be >= 0";
  else if (num_frequencies < 0 || num_frequencies > 30)
    *error = "VectorFieldOptions::num_frequencies = " + std::to_string(num_frequencies) + " must be in [0, 30]";
  else if (time_embedding != TimeEmbedding::kDyadic && time_embedding != TimeEmbedding::kGaussian)
    *error = "VectorFieldOptions::time_embedding = " + std::to_string(static_cast<int>(time_embedding)) +
             " is not an embedding";
  else if (!(fourier_scale > 0 && std::isfinite(fourier_scale)))
    *error = "VectorFieldOptions::fourier_scale = " + std::to_string(fourier_scale) + " must be > 0";
  else if (activation == nn::Activation::kReLU)
    *error = "VectorFieldOptions::activation = relu is not smooth; the log-density ODE needs "
             "d/dtheta of the field (use silu, tanh or elu)";
  else return true;
  return false;
}

VectorField::VectorField(const VectorFieldOptions& options, core::Rng* rng) : options_(options) {
  core::check_valid(options, "VectorField");
  for (int k = 0; k < options.num_frequencies; ++k)
    omega_.push_back(options.time_embedding == TimeEmbedding::kDyadic
                         ? M_PI * std::ldexp(1.0, k)
                         : 2.0 * M_PI * options.fourier_scale * rng->normal());
  const int h = options.hidden;
  std::vector<std::pair<int, int>> shapes;  // (in, out)
  shapes.emplace_back(options.time_features() + options.theta_dim + options.context_dim, h);
  for (int b = 0; b < options.num_blocks; ++b) {
    shapes.emplace_back(h, h);
    shapes.emplace_back(h, h);
  }
  shapes.emplace_back(h, options.theta_dim);
  for (const auto& [in, out] : shapes) {
    nn::Dense dense(in, out);  // borrowed for its initialisation (PyTorch's nn.Linear default)
    dense.initialize(nn::Init::kPyTorch, rng);
    weight_.push_back(dense.weight());
    bias_.push_back(dense.bias());
    grad_weight_.push_back(Matrix::Zero(out, in));
    grad_bias_.push_back(Matrix::Zero(out, 1));
  }
}

const Matrix& VectorField::forward(const RowVector& t, const Matrix& theta, const Matrix& context,
                                   VectorFieldCache* c) const {
  const int d = options_.theta_dim, e = options_.time_features(), blocks = options_.num_blocks;
  const Eigen::Index n = theta.cols();
  const nn::Activation act = options_.activation;
  c->input.resize(e + d + options_.context_dim, n);
  c->input.row(0) = t;
  for (int k = 0; k < options_.num_frequencies; ++k) {
    const double omega = omega_[k];
    c->input.row(1 + 2 * k) = (omega * t.array()).sin().matrix();
    c->input.row(2 + 2 * k) = (omega * t.array()).cos().matrix();
  }
  c->input.middleRows(e, d) = theta;
  c->input.bottomRows(options_.context_dim) = context;
  c->h.resize(blocks + 1);
  c->a1.resize(blocks);
  c->p.resize(blocks);
  c->a2.resize(blocks);
  affine(weight_[0], bias_[0], c->input, &c->h[0]);
  for (int b = 0; b < blocks; ++b) {
    nn::activate(act, c->h[b], &c->a1[b]);
    affine(weight_[1 + 2 * b], bias_[1 + 2 * b], c->a1[b], &c->p[b]);
    nn::activate(act, c->p[b], &c->a2[b]);
    affine(weight_[2 + 2 * b], bias_[2 + 2 * b], c->a2[b], &c->h[b + 1]);
    c->h[b + 1] += c->h[b];
  }
  affine(weight_.back(), bias_.back(), c->h[blocks], &c->output);
  c->have_derivatives = false;
  return c->output;
}

void VectorField::ensure_derivatives(VectorFieldCache* c) const {
  if (c->have_derivatives) return;
  const int blocks = options_.num_blocks;
  c->dh.resize(blocks);
  c->dp.resize(blocks);
  if (blocks > 0) {
    // activation_backward(grad_out = 1) gives act'(pre).
    const Matrix ones = Matrix::Ones(options_.hidden, c->output.cols());
    for (int b = 0; b < blocks; ++b) {
      nn::activation_backward(options_.activation, c->h[b], c->a1[b], ones, &c->dh[b]);
      nn::activation_backward(options_.activation, c->p[b], c->a2[b], ones, &c->dp[b]);
    }
  }
  c->have_derivatives = true;
}

Matrix VectorField::propagate_tangents(VectorFieldCache* c, Matrix tangent) const {
  // Differentiating h_{b+1} = h_b + W' act(W act(h_b) + b) + b' along a direction:
  //   dh_{b+1} = dh_b + W' [act'(p_b) * (W [act'(h_b) * dh_b])],   dv = W_L dh_B.
  ensure_derivatives(c);
  Matrix a, p;
  for (int b = 0; b < options_.num_blocks; ++b) {
    a = tangent;
    multiply_blocks(c->dh[b], &a);
    p.noalias() = weight_[1 + 2 * b] * a;
    multiply_blocks(c->dp[b], &p);
    tangent.noalias() += weight_[2 + 2 * b] * p;
  }
  return weight_.back() * tangent;
}

Matrix VectorField::reverse(VectorFieldCache* c, const Matrix& grad_v, std::vector<Matrix>* gw,
                            std::vector<Matrix>* gb) const {
  ensure_derivatives(c);
  const int blocks = options_.num_blocks;
  const size_t last = weight_.size() - 1;
  Matrix grad_h = weight_[last].transpose() * grad_v;
  if (gw != nullptr) {
    (*gw)[last].noalias() += grad_v * c->h[blocks].transpose();
    (*gb)[last].col(0) += grad_v.rowwise().sum();
  }
  Matrix grad_a, grad_p;
  for (int b = blocks - 1; b >= 0; --b) {
    const size_t l1 = 1 + 2 * b, l2 = 2 + 2 * b;
    // The skip passes grad_h through; the branch adds its own contribution.
    grad_a.noalias() = weight_[l2].transpose() * grad_h;
    if (gw != nullptr) {
      (*gw)[l2].noalias() += grad_h * c->a2[b].transpose();
      (*gb)[l2].col(0) += grad_h.rowwise().sum();
    }
    grad_p = grad_a.cwiseProduct(c->dp[b]);
    grad_a.noalias() = weight_[l1].transpose() * grad_p;
    if (gw != nullptr) {
      (*gw)[l1].noalias() += grad_p * c->a1[b].transpose();
      (*gb)[l1].col(0) += grad_p.rowwise().sum();
    }
    grad_h += grad_a.cwiseProduct(c->dh[b]);
  }
  if (gw != nullptr) {
    (*gw)[0].noalias() += grad_h * c->input.transpose();
    (*gb)[0].col(0) += grad_h.rowwise().sum();
  }
  return grad_h;
}

void VectorField::backward(VectorFieldCache* c, const Matrix& grad_v, Matrix* grad_theta,
                           Matrix* grad_context, bool param_grads) {
  const Matrix grad_h0 = reverse(c, grad_v, param_grads ? &grad_weight_ : nullptr,
                                 param_grads ? &grad_bias_ : nullptr);
  const int e = options_.time_features(), d = options_.theta_dim;
  if (grad_theta != nullptr) *grad_theta = weight_[0].middleCols(e, d).transpose() * grad_h0;
  if (grad_context != nullptr)
    *grad_context = weight_[0].rightCols(options_.context_dim).transpose() * grad_h0;
}

Matrix VectorField::jvp(VectorFieldCache* c, const Matrix& u) const {
  core::check(u.rows() == options_.theta_dim && u.cols() == c->output.cols(),
              "VectorField::jvp: u must be theta_dim x N, as the last forward pass");
  return propagate_tangents(c, weight_[0].middleCols(options_.time_features(), options_.theta_dim) * u);
}

Matrix VectorField::vjp(VectorFieldCache* c, const Matrix& u) const {
  core::check(u.rows() == options_.theta_dim && u.cols() == c->output.cols(),
              "VectorField::vjp: u must be theta_dim x N, as the last forward pass");
  const Matrix grad_h0 = reverse(c, u, nullptr, nullptr);
  return weight_[0].middleCols(options_.time_features(), options_.theta_dim).transpose() * grad_h0;
}

Matrix VectorField::jacobian(VectorFieldCache* c) const {
  const int d = options_.theta_dim, e = options_.time_features();
  const Eigen::Index n = c->output.cols();
  // Tangent of h_0 along e_i is column e + i of W_0, the same for every sample.
  Matrix tangent(options_.hidden, d * n);
  for (int i = 0; i < d; ++i) tangent.middleCols(i * n, n).colwise() = weight_[0].col(e + i);
  return propagate_tangents(c, std::move(tangent));
}

RowVector VectorField::divergence(VectorFieldCache* c) const {
  const int d = options_.theta_dim;
  const Eigen::Index n = c->output.cols();
  const Matrix jac = jacobian(c);
  RowVector div = RowVector::Zero(n);
  for (int i = 0; i < d; ++i) div += jac.block(i, i * n, 1, n);
  return div;
}

nn::Parameters VectorField::parameters() {
  nn::Parameters out;
  for (size_t k = 0; k < weight_.size(); ++k) {
    const std::string prefix = "dense" + std::to_string(k) + "/";
    out.push_back({prefix + "weight", &weight_[k], &grad_weight_[k]});
    out.push_back({prefix + "bias", &bias_[k], &grad_bias_[k]});
  }
  return out;
}

}  // namespace sbi::flows
