#include "nn/adam.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace sbi::nn {
namespace {

// Flushes subnormal floats to zero (inputs and results) while it lives. A weight whose
// gradient stays 0 (a dead ReLU's) has its first moment decay by beta1 each step, into float's
// subnormal range (below 1.2e-38) after ~800 steps, where every operation on it takes a
// microcode assist of ~100 cycles: the float step ran at half speed from then on. Double
// moments reach that range only after ~7000 steps of zeros. No effect where SSE is absent.
class FlushSubnormals {
 public:
#if defined(__SSE__)
  FlushSubnormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040u); }  // FTZ | DAZ
  ~FlushSubnormals() { _mm_setcsr(saved_); }

 private:
  unsigned saved_;
#endif
};

}  // namespace

Adam::Adam(const Parameters& params, const AdamOptions& options)
    : params_(params), options_(options) {
  const long n = count_scalars(params_);
  if (options_.precision == Precision::kFloat32) {
    m_single_.setZero(n);
    v_single_.setZero(n);
    quotient_.resize(kChunk);
  } else {
    m_.setZero(n);
    v_.setZero(n);
  }
}

void Adam::step(double gradient_scale) {
  ++t_;
  const double correction1 = 1.0 - std::pow(options_.beta1, static_cast<double>(t_));
  const double correction2 = 1.0 - std::pow(options_.beta2, static_cast<double>(t_));
  const double step_size = options_.learning_rate / correction1;
  const double decay = 1.0 - options_.learning_rate * options_.weight_decay;
  long offset = 0;
  for (const Parameter& p : params_) {
    if (options_.weight_decay != 0.0) p.value->array() *= decay;
    if (options_.precision == Precision::kFloat32)
      float_step(p, offset, step_size, correction2, gradient_scale);
    else
      double_step(p, offset, step_size, correction2, gradient_scale);
    offset += p.value->size();
  }
}

void Adam::double_step(const Parameter& p, long offset, double step_size, double correction2,
                       double scale) {
  const double b1 = options_.beta1, b2 = options_.beta2;
  const long n = p.value->size();
  // A scale of 1 leaves the gradient's bits as they are (x * 1.0 == x).
  auto g = Eigen::Map<const Eigen::ArrayXd>(p.grad->data(), n) * scale;
  Eigen::Map<Eigen::ArrayXd> m(m_.data() + offset, n), v(v_.data() + offset, n);
  m = b1 * m + (1.0 - b1) * g;
  v = b2 * v + (1.0 - b2) * g.square();
  Eigen::Map<Eigen::ArrayXd>(p.value->data(), n) -=
      step_size * m / ((v / correction2).sqrt() + options_.epsilon);
}

// The step of one parameter with float moments and quotient, a chunk at a time so that the
// chunk's quotients stay in L1: plain loops for the conversions (Eigen's double-to-float
// cast stays scalar), Eigen for the vectorised root and division.
void Adam::float_step(const Parameter& p, long offset, double step_size, double correction2,
                      double scale) {
  const float b1 = static_cast<float>(options_.beta1), b2 = static_cast<float>(options_.beta2);
  const float one_minus_b1 = static_cast<float>(1.0 - options_.beta1);
  const float one_minus_b2 = static_cast<float>(1.0 - options_.beta2);
  const float c2 = static_cast<float>(correction2), eps = static_cast<float>(options_.epsilon);
  const double* g = p.grad->data();
  double* w = p.value->data();
  float* m = m_single_.data() + offset;
  float* v = v_single_.data() + offset;
  const long n = p.value->size();
  const FlushSubnormals flush;
  for (long at = 0; at < n; at += kChunk) {
    const long len = std::min(kChunk, n - at);
    for (long j = at; j < at + len; ++j) {
      const float gj = static_cast<float>(g[j] * scale);
      m[j] = b1 * m[j] + one_minus_b1 * gj;
      v[j] = b2 * v[j] + one_minus_b2 * (gj * gj);
    }
    auto q = quotient_.head(len);
    q = Eigen::Map<const Eigen::ArrayXf>(m + at, len) /
        ((Eigen::Map<const Eigen::ArrayXf>(v + at, len) / c2).sqrt() + eps);
    const float* quotient = quotient_.data();
    for (long j = at; j < at + len; ++j) w[j] -= step_size * static_cast<double>(quotient[j - at]);
  }
}

Adam::State Adam::state() const {
  State s;
  if (options_.precision == Precision::kFloat32) {
    s.m = m_single_.cast<double>().matrix();
    s.v = v_single_.cast<double>().matrix();
  } else {
    s.m = m_.matrix();
    s.v = v_.matrix();
  }
  s.steps = t_;
  return s;
}

void Adam::set_state(const State& s) {
  const long n = count_scalars(params_);
  core::check(s.m.size() == n && s.v.size() == n && s.steps >= 0,
              "Adam::set_state: moments of " + std::to_string(s.m.size()) + " values for " +
                  std::to_string(n) + " parameters");
  if (options_.precision == Precision::kFloat32) {
    m_single_ = s.m.array().cast<float>();
    v_single_ = s.v.array().cast<float>();
  } else {
    m_ = s.m.array();
    v_ = s.v.array();
  }
  t_ = s.steps;
}

double gradient_norm(const Parameters& params) {
  double sq = 0.0;
  for (const Parameter& p : params) sq += p.grad->squaredNorm();
  return std::sqrt(sq);
}

double clip_scale(double norm, double max_norm) {
  return max_norm > 0.0 && norm > max_norm ? max_norm / (norm + 1e-12) : 1.0;
}

double clip_grad_norm(const Parameters& params, double max_norm) {
  const double norm = gradient_norm(params);
  const double scale = clip_scale(norm, max_norm);
  if (scale != 1.0)
    for (const Parameter& p : params) *p.grad *= scale;
  return norm;
}

}  // namespace sbi::nn
