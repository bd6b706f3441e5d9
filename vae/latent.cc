#include "vae/latent.h"

#include <cmath>

#include "core/error.h"
#include "core/normal_fill.h"

namespace sbi::vae {

namespace {
constexpr double kHalfLog2Pi = 0.91893853320467274178;  // ½ log 2π
}

void sample_latent(const nn::Matrix& encoder_output, core::Rng* rng, LatentSample* out) {
  core::check(encoder_output.rows() % 2 == 0 && encoder_output.rows() > 0,
              "sample_latent: the encoder output must have 2K rows, has " +
                  std::to_string(encoder_output.rows()));
  const Eigen::Index k = encoder_output.rows() / 2, b = encoder_output.cols();
  out->mean = encoder_output.topRows(k);
  out->log_std = encoder_output.bottomRows(k).cwiseMax(kMinLogStd).cwiseMin(kMaxLogStd);
  out->eps.setZero(k, b);
  if (rng != nullptr)
    core::fill_standard_normal(rng, out->eps.data(), static_cast<std::size_t>(out->eps.size()));
  out->z = out->mean.array() + out->log_std.array().exp() * out->eps.array();
}

nn::RowVector kl_to_standard_normal(const nn::Matrix& mean, const nn::Matrix& log_std) {
  return 0.5 * (mean.array().square() + (2 * log_std.array()).exp() - 1.0 - 2 * log_std.array())
                   .colwise()
                   .sum()
                   .matrix();
}

void latent_backward(const LatentSample& s, const nn::Matrix& encoder_output,
                     const nn::Matrix& grad_z, double kl_weight, nn::Matrix* grad_encoder_output) {
  const Eigen::Index k = s.mean.rows();
  grad_encoder_output->resize(2 * k, s.mean.cols());
  grad_encoder_output->topRows(k) = grad_z + kl_weight * s.mean;
  const nn::Matrix sigma = s.log_std.array().exp();
  nn::Matrix grad_log_std =
      grad_z.cwiseProduct(sigma.cwiseProduct(s.eps)) +
      kl_weight * (sigma.array().square() - 1.0).matrix();
  // The clamp passes no gradient where it is active.
  const auto raw = encoder_output.bottomRows(k).array();
  grad_log_std = ((raw >= kMinLogStd) && (raw <= kMaxLogStd)).select(grad_log_std, 0.0);
  grad_encoder_output->bottomRows(k) = grad_log_std;
}

nn::RowVector log_q(const LatentSample& s) {
  const double k = static_cast<double>(s.mean.rows());
  return (-0.5 * s.eps.array().square() - s.log_std.array()).colwise().sum().matrix().array() -
         k * kHalfLog2Pi;
}

nn::RowVector log_standard_normal(const nn::Matrix& z) {
  const double k = static_cast<double>(z.rows());
  return (-0.5 * z.array().square()).colwise().sum().matrix().array() - k * kHalfLog2Pi;
}

}  // namespace sbi::vae
