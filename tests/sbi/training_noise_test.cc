// Training-time noise (sbi/training_noise.h): the noise's moments, reproducibility from the
// seed, the noise-map reader's errors, and NPE trained on noiseless simulations with the
// noise added per batch recovering the closed-form posterior of the noisy problem.
#include "sbi/training_noise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/error.h"
#include "io/h5_file.h"
#include "sbi/trainer.h"
#include "simulators/batch.h"
#include "simulators/registry.h"
#include "tests/sbi/analytic_posteriors.h"
#include "testing/temp_dir.h"

namespace sbi {
namespace {

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const core::Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TrainingNoise, DrawsHaveThePrescribedStandardDeviationPerDimension) {
  const Eigen::Vector3d sigma(0.5, 2.0, 0.0);
  const long n = 200000;
  Eigen::MatrixXd x = Eigen::MatrixXd::Constant(3, n, 1.0);
  core::Rng rng(3, 1);
  add_gaussian_noise(sigma, &rng, &x);
  const Eigen::Vector3d mean = x.rowwise().mean();
  const Eigen::MatrixXd centred = x.colwise() - mean;
  const Eigen::Vector3d var = centred.rowwise().squaredNorm() / (n - 1);
  // Standard errors with n = 2e5: mean σ / 447, variance σ² × 0.32%; bounds are 4 of them.
  EXPECT_NEAR(mean[0], 1.0, 4 * 0.5 / std::sqrt(n));
  EXPECT_NEAR(mean[1], 1.0, 4 * 2.0 / std::sqrt(n));
  EXPECT_NEAR(var[0] / 0.25, 1.0, 4 * std::sqrt(2.0 / n));
  EXPECT_NEAR(var[1] / 4.0, 1.0, 4 * std::sqrt(2.0 / n));
  EXPECT_EQ(x.row(2), Eigen::RowVectorXd::Constant(n, 1.0));  // σ = 0: untouched
  // Rows are independent: correlation within 4 / sqrt(n).
  EXPECT_LT(std::abs(centred.row(0).dot(centred.row(1))) / (n * 0.5 * 2.0), 4 / std::sqrt(n));
}

TEST(TrainingNoise, BatchNoiseIsReproducibleFromSeedAndEpoch) {
  const Eigen::VectorXd sigma = Eigen::VectorXd::Constant(4, 0.3);
  auto batch = [&](std::uint64_t seed, int epoch, int draws) {
    BatchNoise noise(sigma, seed);
    noise.begin_epoch(epoch);
    Eigen::MatrixXd x = Eigen::MatrixXd::Zero(4, 8);
    for (int i = 0; i < draws; ++i) noise.add(&x);
    return x;
  };
  EXPECT_EQ(batch(7, 2, 1), batch(7, 2, 1));
  EXPECT_NE(batch(7, 2, 1), batch(7, 3, 1));  // every epoch its own noise
  EXPECT_NE(batch(7, 2, 1), batch(8, 2, 1));
  EXPECT_NE(batch(7, 2, 2), 2 * batch(7, 2, 1));  // every batch its own noise
  Eigen::MatrixXd untouched = Eigen::MatrixXd::Ones(4, 8);
  BatchNoise none;
  none.begin_epoch(1);
  none.add(&untouched);
  EXPECT_EQ(untouched, Eigen::MatrixXd::Ones(4, 8));
}

TEST(TrainingNoise, NoiseMapsAreReadPerPixelAndBadOnesRefused) {
  testing::TempDir dir;
  auto write = [&](const std::string& name, const std::vector<size_t>& shape,
                   const std::vector<double>& values, const char* dataset = "/noise_map") {
    io::H5File f = io::H5File::create(dir.file(name));
    f.write_array("/x", shape, std::vector<double>(values.size(), 0.0));
    f.write_array(dataset, shape, values);
    return dir.file(name);
  };
  const core::DataShape image = core::DataShape::image(2, 3);
  const TrainingNoise noise =
      read_training_noise_map(write("map.h5", {2, 3}, {0.1, 0.2, 0.3, 0.4, 0.5, 0.0}), image);
  ASSERT_EQ(noise.sigma.size(), 6);
  EXPECT_EQ(noise.sigma[1], 0.2);
  EXPECT_EQ(noise.sigma[5], 0.0);
  EXPECT_NE(noise.description.find("map.h5: /noise_map (0 .. 0.5)"), std::string::npos)
      << noise.description;
  // An (H, W) map serves every channel.
  const TrainingNoise three = read_training_noise_map(dir.file("map.h5"), core::DataShape::image(2, 3, 3));
  ASSERT_EQ(three.sigma.size(), 18);
  EXPECT_EQ(three.sigma[13], 0.2);

  auto error = [&](const std::string& path, const core::DataShape& shape) {
    return error_of([&] { read_training_noise_map(path, shape); });
  };
  std::string e = error(write("small.h5", {3, 2}, std::vector<double>(6, 0.1)), image);
  EXPECT_NE(e.find("--noise-map " + dir.file("small.h5") + ": /noise_map has shape (3, 2), but x is an "
                   "image of 2 x 3 pixels"), std::string::npos) << e;
  e = error(write("negative.h5", {2, 3}, {0.1, 0.1, 0.1, 0.1, -0.1, 0.1}), image);
  EXPECT_NE(e.find("/noise_map has -0.1 at (1, 1); a noise standard deviation is finite and >= 0"),
            std::string::npos) << e;
  e = error(write("nan.h5", {2, 3}, {0.1, std::numeric_limits<double>::quiet_NaN(), 0.1, 0.1, 0.1, 0.1}),
            image);
  EXPECT_NE(e.find("/noise_map has NaN at (0, 1)"), std::string::npos) << e;
  e = error(write("zero.h5", {2, 3}, std::vector<double>(6, 0.0)), image);
  EXPECT_NE(e.find("/noise_map is 0 everywhere"), std::string::npos) << e;
  e = error(write("other.h5", {2, 3}, std::vector<double>(6, 0.1), "/sigma"), image);
  EXPECT_NE(e.find("other.h5 has no /noise_map dataset"), std::string::npos) << e;
  e = error(dir.file("missing.h5"), image);
  EXPECT_EQ(e.rfind("--noise-map: ", 0), 0u) << e;
  e = error(write("set.h5", {12}, std::vector<double>(12, 0.1)), core::DataShape::set(4, 2, true));
  EXPECT_NE(e.find("cannot apply to x, a set"), std::string::npos) << e;
  e = error_of([&] { constant_training_noise(0.0, image); });
  EXPECT_NE(e.find("--noise-sigma 0 must be finite and > 0"), std::string::npos) << e;
  e = error_of([&] { constant_training_noise(0.1, core::DataShape::set(4, 2, true)); });
  EXPECT_NE(e.find("--noise-sigma cannot apply to x, a set"), std::string::npos) << e;
}

// gaussian_linear in 2-D: θ ~ N(0, 0.1 I), x = θ + N(0, 0.1 I), so p(θ | x) =
// N(x / 2, 0.05 I). Here the simulations are stored noiseless (x = θ) and the noise,
// σ = sqrt(0.1), comes from TrainOptions::x_noise. Without the noise the posterior would be a
// spike at θ = x; with σ applied in raw instead of standardised units (x's std is
// sqrt(0.2)) its variance would be 0.017 instead of 0.05; both far outside the bounds.
TEST(TrainingNoise, NpeOnNoiselessSimulationsLearnsThePosteriorOfTheNoisyProblem) {
  const simulators::SimulationBatch sims = testing::gaussian_linear_pairs(20000);
  PosteriorModel model = testing::gaussian_linear_test_model();
  TrainOptions to;
  to.seed = 5;
  to.x_noise = constant_training_noise(std::sqrt(0.1), core::DataShape::vector(2));
  TrainSummary summary;
  train(to, sims.theta, /*x = θ, noiseless=*/sims.theta, &model, &summary);
  EXPECT_EQ(summary.x_noise, "gaussian, sigma 0.316228");
  // The x statistics are those of the noisy data: std sqrt(0.1 + 0.1); 18000 samples give
  // the std to 0.5% (1 standard error).
  EXPECT_NEAR(model.x_norm.std[0] / std::sqrt(0.2), 1.0, 0.03);
  EXPECT_NEAR(model.x_norm.std[1] / std::sqrt(0.2), 1.0, 0.03);

  // The bounds of Npe.RecoversTheAnalyticGaussianLinearPosterior (npe_test.cc), which
  // trains on the same 20000 pairs with their noise fixed.
  testing::expect_gaussian_linear_posterior(model);
}

}  // namespace
}  // namespace sbi
