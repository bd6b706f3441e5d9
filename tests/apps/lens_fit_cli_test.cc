// `sbi lens-fit` end to end: simulate a lens image, fit it from given parameters or from a
// posterior file's mean, read fit.h5; bad input gives one clear error line and no output.
#include <gtest/gtest.h>

#include <boost/math/distributions/chi_squared.hpp>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "core/rng.h"
#include "io/h5_file.h"
#include "io/posterior_file.h"
#include "simulators/lensing.h"
#include "testing/temp_dir.h"
#include "tests/apps/cli_runner.h"

namespace sbi {
namespace {

// A 24 x 24 cut-out of 0.2" pixels (the Einstein ring inside), supersampling 2, Gaussian PSF.
const std::string kParams =
    " --param npix=24 --param pixel_scale=0.2 --param supersample=2 --param psf_fwhm=0.3"
    " --param psf_size=7 --param noise_sigma=0.2";

Eigen::VectorXd truth() {
  Eigen::VectorXd t(12);
  t << 1.1, 0.7, 0.6, 0.04, -0.03, 0.08, -0.05, 0.3, 1.5, 0.7, 2.0, 4.0;
  return t;
}

// θ displaced by 4% of each prior width, alternating signs.
Eigen::VectorXd perturbed(const Eigen::VectorXd& theta) {
  const core::Prior prior = simulators::lensing_prior();
  Eigen::VectorXd t = theta;
  for (int i = 0; i < 12; ++i) t[i] += (i % 2 ? -0.04 : 0.04) * (prior.upper()[i] - prior.lower()[i]);
  return t;
}

void write_theta(const std::string& path, const Eigen::MatrixXd& theta_columns) {
  io::H5File f = io::H5File::create(path);
  f.write_matrix("/theta", theta_columns);
}

TEST(LensFitCli, FitsASimulatedImageFromThetaAndFromAPosteriorMean) {
  testing::TempDir dir;
  const std::string truth_h5 = dir.file("truth.h5"), obs = dir.file("obs.h5"),
                    start_h5 = dir.file("start.h5"), fit = dir.file("fit.h5");
  write_theta(truth_h5, truth());
  CliRun r = sbi(dir, "simulate --task lensing --theta " + truth_h5 + " --seed 5 --out " + obs + kParams);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  write_theta(start_h5, perturbed(truth()));
  r = sbi(dir, "lens-fit --observation " + obs + " --theta " + start_h5 + " --out " + fit + kParams);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("chi2/dof"), std::string::npos) << r.out;

  io::H5File f = io::H5File::open_read(fit);
  const Eigen::MatrixXd theta = f.read_matrix("/theta", 12), sigma = f.read_matrix("/sigma", 12);
  ASSERT_EQ(theta.cols(), 1);
  EXPECT_EQ(f.shape("/covariance"), (std::vector<size_t>{1, 12, 12}));
  EXPECT_EQ(f.shape("/model"), (std::vector<size_t>{1, 24, 24}));
  EXPECT_EQ(f.read_int64_vector("/dof"), std::vector<std::int64_t>{24 * 24 - 12});
  EXPECT_EQ(f.read_int64_vector("/converged"), std::vector<std::int64_t>{1});
  EXPECT_EQ(f.get_string_attr("/", "start"), "theta");
  EXPECT_TRUE(f.read_matrix("/start", 12).col(0).isApprox(perturbed(truth()), 1e-15));
  // As in tests/sbi/lens_fit_test.cc: each parameter within 3σ of the truth, χ² inside the
  // 99.9% interval of chi-square(dof).
  for (int i = 0; i < 12; ++i) EXPECT_LT(std::abs(theta(i, 0) - truth()[i]), 3 * sigma(i, 0)) << i;
  const boost::math::chi_squared dist(24 * 24 - 12);
  const double chi2 = f.read_vector("/chi2")[0];
  EXPECT_GT(chi2, boost::math::quantile(dist, 0.0005));
  EXPECT_LT(chi2, boost::math::quantile(dist, 0.9995));
  EXPECT_NEAR(f.read_vector("/reduced_chi2")[0], chi2 / (24 * 24 - 12), 1e-12);

  // From a posterior file: its mean is the start.
  io::PosteriorDraws draws;
  draws.parameter_names = simulators::StrongLensing().parameter_names();
  core::Rng rng(9);
  Eigen::MatrixXd samples(12, 40);
  for (int j = 0; j < 40; ++j)
    for (int i = 0; i < 12; ++i) samples(i, j) = perturbed(truth())[i] + 1e-3 * rng.uniform(-1, 1);
  draws.samples = {samples};
  io::H5File o = io::H5File::open_read(obs);
  std::vector<size_t> shape;
  const std::vector<double> x = o.read_array("/x", &shape);
  draws.observed_x = Eigen::Map<const Eigen::MatrixXd>(x.data(), 24 * 24, 1);
  const std::string post = dir.file("post.h5"), fit2 = dir.file("fit2.h5");
  io::write_posterior_file(post, draws);
  r = sbi(dir, "lens-fit --observation " + obs + " --start " + post + " --out " + fit2 + kParams);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  io::H5File f2 = io::H5File::open_read(fit2);
  EXPECT_TRUE(f2.read_matrix("/start", 12).col(0).isApprox(samples.rowwise().mean(), 1e-14));
  EXPECT_EQ(f2.get_string_attr("/", "start"), "posterior mean");
  // The same optimum from both starts (to the solver's tolerances, well inside σ).
  const Eigen::MatrixXd theta2 = f2.read_matrix("/theta", 12);
  for (int i = 0; i < 12; ++i) EXPECT_LT(std::abs(theta2(i, 0) - theta(i, 0)), 1e-3 * sigma(i, 0)) << i;

  // A posterior mean outside the prior's support (draws of --no-prior-restriction): the fit
  // starts from the nearest point of the support, and says so.
  draws.samples[0].row(0).array() += 0.5;  // theta_E ~ 1.64 > 1.5
  const std::string outside = dir.file("outside.h5"), fit3 = dir.file("fit3.h5");
  io::write_posterior_file(outside, draws);
  r = sbi(dir, "lens-fit --observation " + obs + " --start " + outside + " --out " + fit3 + kParams);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("the posterior mean of theta_E, 1.6"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("starting from 1.5"), std::string::npos) << r.err;
  EXPECT_EQ(io::H5File::open_read(fit3).read_matrix("/start", 12)(0, 0), 1.5);
}

TEST(LensFitCli, BadInputGivesOneClearError) {
  testing::TempDir dir;
  const std::string truth_h5 = dir.file("truth.h5"), obs = dir.file("obs.h5"), out = dir.file("fit.h5");
  write_theta(truth_h5, truth());
  ASSERT_EQ(sbi(dir, "simulate --task lensing --theta " + truth_h5 + " --seed 5 --out " + obs + kParams)
                .exit_code, 0);
  const std::string fit = "lens-fit --out " + out + " --observation ";

  // An image of the wrong size for the instrument.
  CliRun r = sbi(dir, fit + obs + " --theta " + truth_h5 +
                          " --param npix=20 --param pixel_scale=0.2 --param noise_sigma=0.2");
  expect_clean_failure(dir, r, "/x has shape (1, 24, 24), but the lensing images are 20 x 20", out);
  // NaN pixels.
  const std::string nan_obs = dir.file("nan_obs.h5");
  {
    std::vector<double> x(24 * 24, 1.0);
    x[100] = NAN;
    io::H5File f = io::H5File::create(nan_obs);
    f.write_array("/x", {24, 24}, x);
  }
  r = sbi(dir, fit + nan_obs + " --theta " + truth_h5 + kParams);
  expect_clean_failure(dir, r, "/x contains NaN", out);
  // A start outside the prior's support, and unphysical ones (q <= 0, θ_E < 0).
  const std::string bad = dir.file("bad_theta.h5");
  Eigen::VectorXd t = truth();
  t[0] = 1.7;
  write_theta(bad, t);
  r = sbi(dir, fit + obs + " --theta " + bad + kParams);
  expect_clean_failure(dir, r, "theta_E = 1.7 (theta[0]) is outside the prior's support [0.5, 1.5]", out);
  t = truth();
  t[1] = 0;
  write_theta(bad, t);
  r = sbi(dir, fit + obs + " --theta " + bad + kParams);
  expect_clean_failure(dir, r, "q = 0 (theta[1]) must be in [1e-6, 1]", out);
  t = truth();
  t[1] = -0.5;
  write_theta(bad, t);
  r = sbi(dir, fit + obs + " --theta " + bad + kParams);
  expect_clean_failure(dir, r, "q = -0.5", out);
  t = truth();
  t[0] = -1;
  write_theta(bad, t);
  r = sbi(dir, fit + obs + " --theta " + bad + kParams);
  expect_clean_failure(dir, r, "theta_E = -1 (theta[0]) must be >= 0", out);
  // Neither or both starts; a mask of the wrong size; no noise to weight the pixels by.
  r = sbi(dir, fit + obs + kParams);
  expect_clean_failure(dir, r, "give either --start posterior.h5 (its mean) or --theta", out);
  r = sbi(dir, fit + obs + " --theta " + truth_h5 + " --start " + truth_h5 + kParams);
  expect_clean_failure(dir, r, "give either --start", out);
  const std::string mask = dir.file("mask.h5");
  {
    io::H5File f = io::H5File::create(mask);
    f.write_array("/mask", {20, 20}, std::vector<double>(400, 1.0));
  }
  r = sbi(dir, fit + obs + " --theta " + truth_h5 + " --mask " + mask + kParams);
  expect_clean_failure(dir, r, "/mask has shape (20, 20), but x is an image of 24 x 24 pixels", out);
  r = sbi(dir, fit + obs + " --theta " + truth_h5 +
                   " --param npix=24 --param pixel_scale=0.2 --param noise_sigma=0");
  expect_clean_failure(dir, r, "noise sigma is 0", out);
  // The observation is an input: never replaced by the output.
  const std::string before = read_bytes(obs);
  r = sbi(dir, "lens-fit --observation " + obs + " --theta " + truth_h5 + " --out " + obs + kParams);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("obs.h5"), std::string::npos) << r.err;
  EXPECT_EQ(read_bytes(obs), before);
}

}  // namespace
}  // namespace sbi
