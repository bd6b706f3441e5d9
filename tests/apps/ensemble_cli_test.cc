// sbi ensemble: models trained apart (sbi train --seed k) mixed into one model file that
// sample and map read like any model; models of other quantities, priors or dimensions,
// one model alone and an output that is an input are clear errors that write nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "io/h5_file.h"
#include "io/posterior_file.h"
#include "testing/temp_dir.h"
#include "tests/apps/cli_runner.h"

namespace sbi {
namespace {

class EnsembleCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sbi(dir_, "simulate --task gaussian_linear --param dim=2 --num 2000 --seed 1 --out " + sims_).exit_code, 0);
    for (int k = 1; k <= 2; ++k) {
      const CliRun r = sbi(dir_, "train --data " + sims_ + " --hidden 16 --max-epochs 10 --threads 1 --seed " +
                                     std::to_string(k) + " --out " + model(k));
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    io::H5File obs = io::H5File::create(obs_);
    obs.write_vector("/x", Eigen::Vector2d(0.2, -0.1));
  }
  std::string model(int k) const { return dir_.file("m" + std::to_string(k) + ".h5"); }

  testing::TempDir dir_;
  const std::string sims_ = dir_.file("sims.h5"), obs_ = dir_.file("obs.h5");
};

TEST_F(EnsembleCli, MixesModelsThatSampleAndMapRead) {
  const std::string ensemble = dir_.file("ensemble.h5");
  CliRun r = sbi(dir_, "ensemble --model " + model(1) + " --model " + model(2) + " --out " + ensemble);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("an equal-weight mixture of 2 posterior models"), std::string::npos) << r.err;
  {
    const io::H5File f = io::H5File::open_read(ensemble);
    EXPECT_EQ(f.get_int_attr("/", "ensemble_size"), 2);
    EXPECT_EQ(f.get_string_list_attr("/", "ensemble_sources"), (std::vector<std::string>{model(1), model(2)}));
  }
  const std::string post = dir_.file("post.h5");
  r = sbi(dir_, "sample --model " + ensemble + " --observation " + obs_ + " --num 4000 --out " + post);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // gaussian_linear (dim 2): θ ~ N(0, 0.1 I), x | θ ~ N(θ, 0.1 I): posterior mean x / 2, sd sqrt(0.05).
  const Eigen::MatrixXd draws = io::read_posterior_file(post).samples[0];
  const Eigen::Vector2d mean = draws.rowwise().mean();
  // 4000 draws: Monte Carlo sd of the mean 0.0035; the estimate of 2000 simulations is off by more.
  EXPECT_NEAR(mean[0], 0.1, 0.05);
  EXPECT_NEAR(mean[1], -0.05, 0.05);
  r = sbi(dir_, "map --model " + ensemble + " --observation " + obs_ + " --out " + dir_.file("map.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // An ensemble joins another as its members.
  r = sbi(dir_, "ensemble --model " + ensemble + " --model " + model(1) + " --out " + dir_.file("three.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(io::H5File::open_read(dir_.file("three.h5")).get_int_attr("/", "ensemble_size"), 3);
}

TEST_F(EnsembleCli, ModelsThatCannotBeMixedAreRefused) {
  const std::string out = dir_.file("e.h5");
  expect_clean_failure(dir_, sbi(dir_, "ensemble --model " + model(1) + " --out " + out), "at least two --model", out);
  expect_clean_failure(dir_, sbi(dir_, "ensemble --model " + model(1) + " --model " + model(2) + " --out " + model(2)),
                       "it is the input file", out);
  // A likelihood model of the same simulations.
  const std::string likelihood = dir_.file("lik.h5");
  ASSERT_EQ(sbi(dir_, "train --target x --data " + sims_ + " --hidden 16 --max-epochs 2 --threads 1 --out " +
                          likelihood).exit_code, 0);
  expect_clean_failure(dir_, sbi(dir_, "ensemble --model " + model(1) + " --model " + likelihood + " --out " + out),
                       "model different quantities", out);
  // Another prior, and other dimensions.
  const std::string other = dir_.file("other.h5");
  ASSERT_EQ(sbi(dir_, "train --data " + sims_ + " --prior 'uniform(-2,2)*2' --hidden 16 --max-epochs 2 --threads 1 "
                      "--out " + other).exit_code, 0);
  expect_clean_failure(dir_, sbi(dir_, "ensemble --model " + model(1) + " --model " + other + " --out " + out),
                       "different priors", out);
  const std::string sims3 = dir_.file("sims3.h5"), three = dir_.file("three.h5");
  ASSERT_EQ(sbi(dir_, "simulate --task gaussian_linear --param dim=3 --num 500 --seed 1 --out " + sims3).exit_code, 0);
  ASSERT_EQ(sbi(dir_, "train --data " + sims3 + " --hidden 16 --max-epochs 2 --threads 1 --out " + three).exit_code, 0);
  expect_clean_failure(dir_, sbi(dir_, "ensemble --model " + model(1) + " --model " + three + " --out " + out),
                       "name their parameters or data differently", out);
}

}  // namespace
}  // namespace sbi
