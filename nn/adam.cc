#include "nn/adam.h"

#include <cmath>
#include <string>

#include "core/error.h"

namespace sbi::nn {

Adam::Adam(const Parameters& params, const AdamOptions& options)
    : params_(params), slices_(slice_parameters(params)), options_(options) {
  const long n = count_scalars(params_);
  m_.setZero(n);
  v_.setZero(n);
}

void Adam::step(double gradient_scale) {
  ++t_;
  StepConstants k;
  k.correction2 = 1.0 - std::pow(options_.beta2, static_cast<double>(t_));
  k.step_size = options_.learning_rate / (1.0 - std::pow(options_.beta1, static_cast<double>(t_)));
  k.decay = 1.0 - options_.learning_rate * options_.weight_decay;
  k.scale = gradient_scale;
  const long num_slices = static_cast<long>(slices_.size());
  const int threads = elementwise_threads(m_.size());
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
  for (long s = 0; s < num_slices; ++s) slice_step(slices_[s], k);
}

void Adam::slice_step(const ParameterSlice& slice, const StepConstants& k) {
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

Adam::State Adam::state() const {
  State s;
  s.m = m_.matrix();
  s.v = v_.matrix();
  s.steps = t_;
  return s;
}

void Adam::set_state(const State& s) {
  const long n = count_scalars(params_);
  core::check(s.m.size() == n && s.v.size() == n && s.steps >= 0,
              "Adam::set_state: moments of " + std::to_string(s.m.size()) + " values for " +
                  std::to_string(n) + " parameters");
  m_ = s.m.array();
  v_ = s.v.array();
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
