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
    : params_(params), slices_(slice_parameters(params)), options_(options) {
  const long n = count_scalars(params_);
  if (options_.precision == Precision::kFloat32) {
    m_single_.setZero(n);
    v_single_.setZero(n);
  } else {
    m_.setZero(n);
    v_.setZero(n);
  }
}

void Adam::step(double gradient_scale) {
  ++t_;
  StepConstants k;
  k.correction2 = 1.0 - std::pow(options_.beta2, static_cast<double>(t_));
  k.step_size = options_.learning_rate / (1.0 - std::pow(options_.beta1, static_cast<double>(t_)));
  k.decay = 1.0 - options_.learning_rate * options_.weight_decay;
  k.scale = gradient_scale;
  const bool single = options_.precision == Precision::kFloat32;
  const long num_slices = static_cast<long>(slices_.size());
  const int threads = elementwise_threads(single ? m_single_.size() : m_.size());
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
  for (long s = 0; s < num_slices; ++s) {
    if (single)
      float_step(slices_[s], k);
    else
      double_step(slices_[s], k);
  }
}

void Adam::double_step(const ParameterSlice& slice, const StepConstants& k) {
  const Parameter& p = params_[slice.index];
  const double b1 = options_.beta1, b2 = options_.beta2;
  const long n = slice.end - slice.begin;
  Eigen::Map<Eigen::ArrayXd> w(p.value->data() + slice.begin, n);
  if (options_.weight_decay != 0.0) w *= k.decay;
  // A scale of 1 leaves the gradient's bits as they are (x * 1.0 == x).
  auto g = Eigen::Map<const Eigen::ArrayXd>(p.grad->data() + slice.begin, n) * k.scale;
  Eigen::Map<Eigen::ArrayXd> m(m_.data() + slice.offset, n), v(v_.data() + slice.offset, n);
  m = b1 * m + (1.0 - b1) * g;
  v = b2 * v + (1.0 - b2) * g.square();
  w -= k.step_size * m / ((v / k.correction2).sqrt() + options_.epsilon);
}

// The step of one slice with float moments and quotient, a chunk at a time so that the
// chunk's quotients stay in L1: plain loops for the conversions (Eigen's double-to-float
// cast stays scalar), Eigen for the vectorised root and division.
void Adam::float_step(const ParameterSlice& slice, const StepConstants& k) {
  const Parameter& p = params_[slice.index];
  const float b1 = static_cast<float>(options_.beta1), b2 = static_cast<float>(options_.beta2);
  const float one_minus_b1 = static_cast<float>(1.0 - options_.beta1);
  const float one_minus_b2 = static_cast<float>(1.0 - options_.beta2);
  const float c2 = static_cast<float>(k.correction2), eps = static_cast<float>(options_.epsilon);
  const double scale = k.scale, step_size = k.step_size;
  const long n = slice.end - slice.begin;
  const double* g = p.grad->data() + slice.begin;
  double* w = p.value->data() + slice.begin;
  float* m = m_single_.data() + slice.offset;
  float* v = v_single_.data() + slice.offset;
  if (options_.weight_decay != 0.0) Eigen::Map<Eigen::ArrayXd>(w, n) *= k.decay;
  alignas(64) float quotient[kChunk];
  const FlushSubnormals flush;  // per thread: MXCSR is a thread's register
  for (long at = 0; at < n; at += kChunk) {
    const long len = std::min(kChunk, n - at);
    for (long j = at; j < at + len; ++j) {
      const float gj = static_cast<float>(g[j] * scale);
      m[j] = b1 * m[j] + one_minus_b1 * gj;
      v[j] = b2 * v[j] + one_minus_b2 * (gj * gj);
    }
    Eigen::Map<Eigen::ArrayXf>(quotient, len) =
        Eigen::Map<const Eigen::ArrayXf>(m + at, len) /
        ((Eigen::Map<const Eigen::ArrayXf>(v + at, len) / c2).sqrt() + eps);
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
  // Each parameter's squared norm on its own, possibly on another thread, then their sum in
  // parameter order: the same bits for any number of threads.
  const long n = static_cast<long>(params.size());
  std::vector<double> squares(params.size());
  const int threads = elementwise_threads(count_scalars(params));
#pragma omp parallel for num_threads(threads) schedule(dynamic, 4) if (threads > 1)
  for (long i = 0; i < n; ++i) squares[i] = params[i].grad->squaredNorm();
  double sq = 0.0;
  for (double s : squares) sq += s;
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
