#include "nn/adam.h"

#include <cmath>
#include <string>

#include "core/error.h"

namespace sbi::nn {

Adam::Adam(const Parameters& params, const AdamOptions& options)
    : params_(params), options_(options) {
  for (const Parameter& p : params_) {
    m_.push_back(Matrix::Zero(p.value->rows(), p.value->cols()));
    v_.push_back(Matrix::Zero(p.value->rows(), p.value->cols()));
    if (options.precision == Precision::kFloat32 && p.value->size() > quotient_.size())
      quotient_.resize(p.value->size());
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
    auto g = params_[i].grad->array();
    auto m = m_[i].array();
    auto v = v_[i].array();
    m = b1 * m + (1.0 - b1) * g;
    v = b2 * v + (1.0 - b2) * g.square();
    auto w = params_[i].value->array();
    if (options_.weight_decay != 0.0) w *= decay;
    if (options_.precision == Precision::kFloat32) {
      const float c2 = static_cast<float>(correction2), eps = static_cast<float>(options_.epsilon);
      // Plain loops for the conversions (Eigen's double-to-float cast stays scalar), Eigen
      // for the vectorised root.
      const long n = m.size();
      float* denominator = quotient_.data();  // sized for the largest parameter
      const double* md = m_[i].data();
      const double* vd = v_[i].data();
      double* wd = params_[i].value->data();
      for (long j = 0; j < n; ++j) denominator[j] = static_cast<float>(vd[j]);
      auto d = quotient_.head(n);
      d = (d / c2).sqrt() + eps;
      for (long j = 0; j < n; ++j)
        wd[j] -= step_size * static_cast<double>(static_cast<float>(md[j]) / denominator[j]);
    } else {
      w -= step_size * m / ((v / correction2).sqrt() + options_.epsilon);
    }
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
