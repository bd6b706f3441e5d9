#include "nn/adam.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"

namespace sbi::nn {

Adam::Adam(const Parameters& params, const AdamOptions& options)
    : params_(params), options_(options), denominator_(kChunk) {
  for (const Parameter& p : params_) {
    m_.push_back(Matrix::Zero(p.value->rows(), p.value->cols()));
    v_.push_back(Matrix::Zero(p.value->rows(), p.value->cols()));
  }
}

void Adam::step() {
  ++t_;
  const double b1 = options_.beta1, b2 = options_.beta2;
  const double correction1 = 1.0 - std::pow(b1, static_cast<double>(t_));
  const double correction2 = 1.0 - std::pow(b2, static_cast<double>(t_));
  const double step_size = options_.learning_rate / correction1;
  const double decay = 1.0 - options_.learning_rate * options_.weight_decay;
  for (size_t i = 0; i < params_.size(); ++i) {
    auto w = params_[i].value->array();
    if (options_.weight_decay != 0.0) w *= decay;
    if (options_.precision == Precision::kFloat32) {
      float_step(i, step_size, correction2);
      continue;
    }
    auto g = params_[i].grad->array();
    auto m = m_[i].array();
    auto v = v_[i].array();
    m = b1 * m + (1.0 - b1) * g;
    v = b2 * v + (1.0 - b2) * g.square();
    w -= step_size * m / ((v / correction2).sqrt() + options_.epsilon);
  }
}

// The step of parameter i with the quotient in float, a chunk at a time so that the moments
// and weights are read once from memory and the chunk's denominators stay in L1. Plain loops
// for the conversions (Eigen's double-to-float cast stays scalar), Eigen for the vectorised
// root.
void Adam::float_step(size_t i, double step_size, double correction2) {
  const double b1 = options_.beta1, b2 = options_.beta2;
  const float c2 = static_cast<float>(correction2), eps = static_cast<float>(options_.epsilon);
  const double* g = params_[i].grad->data();
  double* m = m_[i].data();
  double* v = v_[i].data();
  double* w = params_[i].value->data();
  float* denominator = denominator_.data();
  const long n = m_[i].size();
  for (long at = 0; at < n; at += kChunk) {
    const long len = std::min(kChunk, n - at);
    for (long j = at; j < at + len; ++j) {
      m[j] = b1 * m[j] + (1.0 - b1) * g[j];
      v[j] = b2 * v[j] + (1.0 - b2) * (g[j] * g[j]);
      denominator[j - at] = static_cast<float>(v[j]);
    }
    auto d = denominator_.head(len);
    d = (d / c2).sqrt() + eps;
    for (long j = at; j < at + len; ++j)
      w[j] -= step_size * static_cast<double>(static_cast<float>(m[j]) / denominator[j - at]);
  }
}

Adam::State Adam::state() const {
  long n = 0;
  for (const Matrix& m : m_) n += m.size();
  State s;
  s.m.resize(n);
  s.v.resize(n);
  long at = 0;
  for (size_t i = 0; i < m_.size(); ++i) {
    s.m.segment(at, m_[i].size()) = m_[i].reshaped();
    s.v.segment(at, v_[i].size()) = v_[i].reshaped();
    at += m_[i].size();
  }
  s.steps = t_;
  return s;
}

void Adam::set_state(const State& s) {
  long n = 0;
  for (const Matrix& m : m_) n += m.size();
  core::check(s.m.size() == n && s.v.size() == n && s.steps >= 0,
              "Adam::set_state: moments of " + std::to_string(s.m.size()) + " values for " +
                  std::to_string(n) + " parameters");
  long at = 0;
  for (size_t i = 0; i < m_.size(); ++i) {
    m_[i].reshaped() = s.m.segment(at, m_[i].size());
    v_[i].reshaped() = s.v.segment(at, v_[i].size());
    at += m_[i].size();
  }
  t_ = s.steps;
}

double clip_grad_norm(const Parameters& params, double max_norm) {
  double sq = 0.0;
  for (const Parameter& p : params) sq += p.grad->squaredNorm();
  const double norm = std::sqrt(sq);
  if (max_norm > 0.0 && norm > max_norm) {
    const double scale = max_norm / (norm + 1e-12);
    for (const Parameter& p : params) *p.grad *= scale;
  }
  return norm;
}

}  // namespace sbi::nn
