// Neural likelihood estimation and emulation through the command line: sbi train --target x,
// sbi emulate (draws that follow the simulator's x | θ, reproducible for any thread count),
// and the refusals that keep a likelihood model and a posterior model apart.
#include <gtest/gtest.h>

#include <cmath>
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
  testing::TempDir dir_;
  std::string sims_, emulator_, theta_;
};

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

TEST_F(EmulateCli, LikelihoodAndPosteriorModelsAreNotMixedUp) {
  const std::string obs = dir_.file("obs.h5");
  {
    io::H5File f = io::H5File::create(obs);
    f.write_vector("/x", Eigen::VectorXd::Zero(2));
  }
  const std::string out = dir_.file("out.h5");
  CliRun r = sbi(dir_, "sample --model " + emulator_ + " --observation " + obs + " --out " + out);
  expect_clean_failure(dir_, r, "is a likelihood model q(x | theta)", out);
  r = sbi(dir_, "map --model " + emulator_ + " --observation " + obs + " --out " + out);
  expect_clean_failure(dir_, r, "draw simulations from it with sbi emulate", out);
  const std::string npe = dir_.file("npe.h5");
  ASSERT_EQ(sbi(dir_, "train --data " + sims_ + " --max-epochs 1 --out " + npe).exit_code, 0);
  r = sbi(dir_, "emulate --model " + npe + " --theta " + theta_ + " --out " + out);
  expect_clean_failure(dir_, r, "is a posterior model q(theta | x), not a likelihood", out);
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
