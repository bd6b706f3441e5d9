// Neural likelihood estimation and emulation through the command line: sbi train --target x,
// sbi emulate (draws that follow the simulator's x | θ, reproducible for any thread count),
// and the refusals that keep a likelihood model and a posterior model apart.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "io/h5_file.h"
#include "testing/temp_dir.h"
#include "tests/apps/cli_runner.h"

namespace sbi {
namespace {

class EmulateCli : public ::testing::Test {
 protected:
  void SetUp() override {
    sims_ = dir_.file("sims.h5");
    // x | θ ~ N(θ, 0.1 I) in 2-D, θ ~ N(0, 0.1 I).
    CliRun r = sbi(dir_, "simulate --task gaussian_linear --param dim=2 --num 3000 --seed 1 --out " + sims_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    emulator_ = dir_.file("emu.h5");
    r = sbi(dir_, "train --data " + sims_ + " --target x --estimator realnvp --max-epochs 30 --seed 2 --out " +
                      emulator_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    theta_ = dir_.file("theta.h5");
    io::H5File f = io::H5File::create(theta_);
    f.write_matrix("/theta", (Eigen::MatrixXd(2, 2) << 0.3, -0.2, -0.5, 0.1).finished());
  }
  // x_o = (0.2, -0.1): the posterior is N(x_o / 2, 0.05 I).
  std::string observation_file() {
    const std::string obs = dir_.file("obs.h5");
    io::H5File f = io::H5File::create(obs);
    f.write_vector("/x", Eigen::Vector2d(0.2, -0.1));
    return obs;
  }
  testing::TempDir dir_;
  std::string sims_, emulator_, theta_;
};

std::pair<double, double> mean_sd(const std::vector<double>& v) {
  double m = 0, s = 0;
  for (double a : v) m += a / v.size();
  for (double a : v) s += (a - m) * (a - m) / (v.size() - 1);
  return {m, std::sqrt(s)};
}

// The posterior N((0.1, -0.05), 0.05 I) of observation_file() within the emulator's error
// (30 epochs on 3000 simulations), which dominates the Monte Carlo error (sd / sqrt(ESS) <
// 0.01): 0.04 on the means and 15% on the standard deviations.
void expect_posterior_moments(double m0, double s0, double m1, double s1) {
  EXPECT_NEAR(m0, 0.1, 0.04);
  EXPECT_NEAR(m1, -0.05, 0.04);
  EXPECT_NEAR(s0 / std::sqrt(0.05), 1.0, 0.15);
  EXPECT_NEAR(s1 / std::sqrt(0.05), 1.0, 0.15);
}

TEST_F(EmulateCli, EmulatedDataFollowTheSimulatorAndDoNotDependOnThreads) {
  const std::string out = dir_.file("emulated.h5");
  CliRun r = sbi(dir_, "emulate --model " + emulator_ + " --theta " + theta_ +
                           " --num-per-theta 4000 --seed 3 --threads 1 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  io::H5File f = io::H5File::open_read(out);
  const Eigen::MatrixXd theta = f.read_matrix("/theta", 2), x = f.read_matrix("/x", 2);
  ASSERT_EQ(x.cols(), 8000);
  EXPECT_EQ(f.get_string_list_attr("/", "parameter_names"), (std::vector<std::string>{"theta_0", "theta_1"}));
  EXPECT_EQ(f.get_int_attr("/", "num_per_theta"), 4000);
  for (int i = 0; i < 2; ++i) {
    const Eigen::MatrixXd block = x.middleCols(i * 4000, 4000);
    EXPECT_EQ(theta.col(i * 4000 + 17), theta.col(i * 4000));
    const Eigen::VectorXd mean = block.rowwise().mean();
    const Eigen::MatrixXd centred = block.colwise() - mean;
    const Eigen::MatrixXd cov = centred * centred.transpose() / 3999.0;
    for (int d = 0; d < 2; ++d) {
      // The simulator: mean θ, variance 0.1. The tolerances are the emulator's error after
      // 30 epochs on 3000 simulations (sampling error of the mean: 0.005, of the variance 2%).
      EXPECT_NEAR(mean[d], theta(d, i * 4000), 0.05) << i << d;
      EXPECT_NEAR(cov(d, d), 0.1, 0.025) << i << d;
    }
    EXPECT_NEAR(cov(0, 1), 0.0, 0.02) << i;
  }
  // The same seed with two threads: the same file content.
  r = sbi(dir_, "emulate --model " + emulator_ + " --theta " + theta_ +
                    " --num-per-theta 4000 --seed 3 --threads 2 --out " + dir_.file("again.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(io::H5File::open_read(dir_.file("again.h5")).read_matrix("/x", 2), x);
  // The emulated file trains a posterior like a simulated one.
  r = sbi(dir_, "train --data " + out + " --max-epochs 2 --out " + dir_.file("npe.h5"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// The posterior of a likelihood model by slice sampling: x_o = (0.2, -0.1) with prior and
// noise covariances 0.1 I has the posterior N(x_o / 2, 0.05 I). The emulator's own error
// (30 epochs on 3000 simulations) dominates the Monte Carlo error (sd / sqrt(ESS) < 0.01):
// 0.04 on the means and 15% on the standard deviations.
TEST_F(EmulateCli, SampleByMcmcFindsTheGaussianPosteriorAndKeepsTheChains) {
  const std::string obs = observation_file();
  const std::string out = dir_.file("post.h5"), again = dir_.file("again.h5");
  const std::string args = "sample --model " + emulator_ + " --observation " + obs +
                           " --prior 'normal(0,0.31622776601683794)*2' --num 4000 --chains 4 --seed 8 ";
  CliRun r = sbi(dir_, args + "--threads 2 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("R-hat"), std::string::npos) << r.out;
  io::H5File f = io::H5File::open_read(out);
  const std::vector<std::string> names = f.list("/posterior");
  std::vector<size_t> shape;
  const std::vector<double> t0 = f.read_array("/posterior/theta_0", &shape);
  const std::vector<double> t1 = f.read_array("/posterior/theta_1", &shape);
  EXPECT_EQ(shape, (std::vector<size_t>{4, 1000, 1}));  // chain, draw, observation
  EXPECT_LT(f.get_double_attr("/", "rhat_max"), 1.01);
  EXPECT_GT(f.get_double_attr("/", "ess_bulk_min"), 400);
  const auto [m0, s0] = mean_sd(t0);
  const auto [m1, s1] = mean_sd(t1);
  expect_posterior_moments(m0, s0, m1, s1);
  // Chains have their own streams: the draws do not depend on the thread count.
  r = sbi(dir_, args + "--threads 1 --out " + again);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(io::H5File::open_read(again).read_array("/posterior/theta_0", nullptr) == t0);
  std::printf("NLE + slice sampling: means %.4f %.4f (0.1, -0.05), sd %.4f %.4f (0.2236)\n", m0, m1, s0, s1);
}

// The same posterior by the affine-invariant ensemble sampler (--mcmc ensemble): 32 walkers
// by default for 2 parameters, thinned by 10 (its walkers' autocorrelation time in 2-D is tens
// of steps, so each walker keeps an ESS of about 70 and R-hat over walkers, about
// sqrt(1 + 1/70), stays below 1.02); the same tolerances on the moments as slice sampling,
// and the draws do not depend on threads.
TEST_F(EmulateCli, TheEnsembleSamplerFindsTheSamePosterior) {
  const std::string obs = observation_file();
  const std::string out = dir_.file("post.h5"), again = dir_.file("again.h5");
  const std::string args = "sample --model " + emulator_ + " --observation " + obs +
                           " --prior 'normal(0,0.31622776601683794)*2' --mcmc ensemble --num 8000 --thin 10 --seed 8 ";
  CliRun r = sbi(dir_, args + "--threads 2 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("the affine-invariant ensemble sampler"), std::string::npos) << r.err;
  io::H5File f = io::H5File::open_read(out);
  std::vector<size_t> shape;
  const std::vector<double> t0 = f.read_array("/posterior/theta_0", &shape);
  const std::vector<double> t1 = f.read_array("/posterior/theta_1", &shape);
  EXPECT_EQ(shape, (std::vector<size_t>{32, 250, 1}));  // walker, draw, observation
  EXPECT_EQ(f.get_string_attr("/", "sampler"), "ensemble");
  const std::vector<double> acceptance = f.get_double_list_attr("/sample_stats", "acceptance_rate");
  ASSERT_EQ(acceptance.size(), 1u);
  EXPECT_GT(acceptance[0], 0.2);
  EXPECT_LT(acceptance[0], 0.9);
  const double rhat = f.get_double_attr("/", "rhat_max"), n_eff = f.get_double_attr("/", "ess_bulk_min");
  EXPECT_LT(rhat, 1.02);
  EXPECT_GT(n_eff, 400);
  const auto [m0, s0] = mean_sd(t0);
  const auto [m1, s1] = mean_sd(t1);
  expect_posterior_moments(m0, s0, m1, s1);
  r = sbi(dir_, args + "--threads 1 --out " + again);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(io::H5File::open_read(again).read_array("/posterior/theta_0", nullptr) == t0);
  std::printf("NLE + ensemble sampler: means %.4f %.4f (0.1, -0.05), sd %.4f %.4f (0.2236), R-hat %.4f, ESS %.0f, "
              "acceptance %.3f\n", m0, m1, s0, s1, rhat, n_eff, acceptance[0]);
  // Walkers must span the space: an odd number or fewer than 2 D are refused.
  expect_clean_failure(dir_, sbi(dir_, "sample --model " + emulator_ + " --observation " + obs +
                                           " --prior 'normal(0,1)*2' --mcmc ensemble --chains 3 --num 300 --out " +
                                           dir_.file("bad.h5")),
                       "must be even and at least 2 x 2", dir_.file("bad.h5"));
  expect_clean_failure(dir_, sbi(dir_, "sample --model " + emulator_ + " --observation " + obs +
                                           " --prior 'normal(0,1)*2' --mcmc gibbs --out " + dir_.file("bad.h5")),
                       "unknown MCMC sampler 'gibbs'", dir_.file("bad.h5"));
}

TEST_F(EmulateCli, LikelihoodAndPosteriorModelsAreNotMixedUp) {
  const std::string obs = dir_.file("obs.h5");
  {
    io::H5File f = io::H5File::create(obs);
    f.write_vector("/x", Eigen::VectorXd::Zero(2));
  }
  const std::string out = dir_.file("out.h5");
  CliRun r = sbi(dir_, "sample --model " + emulator_ + " --observation " + obs + " --out " + out);
  expect_clean_failure(dir_, r, "its posterior needs a prior, --prior", out);
  r = sbi(dir_, "map --model " + emulator_ + " --observation " + obs + " --out " + out);
  expect_clean_failure(dir_, r, "draw simulations from it with sbi emulate", out);
  const std::string npe = dir_.file("npe.h5");
  ASSERT_EQ(sbi(dir_, "train --data " + sims_ + " --max-epochs 1 --out " + npe).exit_code, 0);
  r = sbi(dir_, "emulate --model " + npe + " --theta " + theta_ + " --out " + out);
  expect_clean_failure(dir_, r, "is a posterior model q(theta | x), not a likelihood", out);
  r = sbi(dir_, "sample --model " + npe + " --observation " + obs + " --chains 4 --out " + out);
  expect_clean_failure(dir_, r, "--chains is for likelihood models", out);
  // --target x refuses what concerns the observed x of a posterior, and images.
  r = sbi(dir_, "train --data " + sims_ + " --target x --noise-sigma 0.1 --out " + out);
  expect_clean_failure(dir_, r, "--target x: --noise-sigma", out);
  r = sbi(dir_, "train --data " + sims_ + " --target y --out " + out);
  expect_clean_failure(dir_, r, "--target expects theta or x", out);
  const std::string images = dir_.file("images.h5");
  ASSERT_EQ(sbi(dir_, "simulate --task galaxy_images --param npix=8 --num 20 --out " + images).exit_code, 0);
  r = sbi(dir_, "train --data " + images + " --target x --out " + out);
  expect_clean_failure(dir_, r, "--target x models vector data", out);
  // θ of the wrong dimension, and the output replacing an input.
  const std::string theta3 = dir_.file("theta3.h5");
  {
    io::H5File f = io::H5File::create(theta3);
    f.write_matrix("/theta", Eigen::MatrixXd::Zero(3, 2));
  }
  r = sbi(dir_, "emulate --model " + emulator_ + " --theta " + theta3 + " --out " + out);
  expect_clean_failure(dir_, r, "/theta", out);
  const std::string before = read_bytes(theta_);
  r = sbi(dir_, "emulate --model " + emulator_ + " --theta " + theta_ + " --out " + theta_);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(read_bytes(theta_), before);
}

}  // namespace
}  // namespace sbi
