#include "sbi/sbc.h"

#include <algorithm>

#include "core/error.h"

namespace sbi {

Eigen::VectorXi sbc_ranks(const Eigen::VectorXd& theta_true, const Eigen::MatrixXd& samples) {
  core::check(samples.rows() == theta_true.size(),
              "sbc_ranks: samples have " + std::to_string(samples.rows()) + " rows, theta_true " +
                  std::to_string(theta_true.size()) + " entries");
  Eigen::VectorXi r(theta_true.size());
  for (Eigen::Index d = 0; d < theta_true.size(); ++d)
    r[d] = static_cast<int>((samples.row(d).array() < theta_true[d]).count());
  return r;
}

bool SbcOptions::is_valid(std::string* error) const {
  if (num_bins == 1 || num_bins < 0) {
    *error = "SbcOptions::num_bins = " + std::to_string(num_bins) + " must be 0 (automatic) or >= 2";
    return false;
  }
  return true;
}

int default_sbc_bins(long num_simulations, long num_posterior_samples) {
  const long b = std::clamp(num_simulations / 20, 2L, 50L);
  return static_cast<int>(std::min(b, num_posterior_samples + 1));
}

SbcResult sbc_test(const Eigen::MatrixXi& ranks, long num_posterior_samples,
                   const SbcOptions& options) {
  core::check_valid(options, "sbc_test");
  core::check(ranks.rows() >= 1 && ranks.cols() >= 1, "sbc_test: no ranks");
  core::check(num_posterior_samples >= 1, "sbc_test: num_posterior_samples must be >= 1");
  SbcResult out;
  out.num_simulations = ranks.cols();
  out.num_posterior_samples = num_posterior_samples;
  out.num_bins = options.num_bins > 0 ? options.num_bins
                                      : default_sbc_bins(ranks.cols(), num_posterior_samples);
  core::check(out.num_bins <= num_posterior_samples + 1,
              "sbc_test: num_bins = " + std::to_string(out.num_bins) + " exceeds L + 1 = " +
                  std::to_string(num_posterior_samples + 1));
  out.bin_widths = rank_bin_widths(num_posterior_samples, out.num_bins);
  double min_p = 1.0;
  for (Eigen::Index d = 0; d < ranks.rows(); ++d) {
    const Eigen::VectorXi r = ranks.row(d).transpose();
    SbcDimension dim;
    dim.ks = ks_uniform_ranks(r, num_posterior_samples);
    dim.chi_square = chi_square_uniform_ranks(r, num_posterior_samples, out.num_bins);
    dim.bin_counts = rank_bin_counts(r, num_posterior_samples, out.num_bins);
    min_p = std::min({min_p, dim.ks.p_value, dim.chi_square.p_value});
    out.dimensions.push_back(std::move(dim));
  }
  out.min_p_value = min_p;
  out.combined_p_value = std::min(1.0, 2.0 * static_cast<double>(ranks.rows()) * min_p);
  return out;
}

}  // namespace sbi
