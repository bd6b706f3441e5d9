// Image-shaped data end to end through the library, as the lensing and cosmology work will
// use it: a toy simulator of a Gaussian blob of random position and width on 16 x 16 pixels
// declares its shape, simulates to a (N, 16, 16) dataset, reads back as images, is
// standardised per channel (not per pixel), trains with a flatten + MLP embedding, and its
// posterior for an observed image (16, 16) puts the blob where it is.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "io/h5_file.h"
#include "sbi/model_file.h"
#include "sbi/posterior_sampler.h"
#include "sbi/simulation_data.h"
#include "sbi/trainer.h"
#include "simulators/batch.h"
#include "testing/temp_dir.h"

namespace sbi {
namespace {

constexpr int kPixels = 16;

// θ = (column centre, row centre, width) in pixels; x = blob + N(0, 0.05²) per pixel, in C
// order (row i, column j at i * 16 + j).
class GaussianBlob : public simulators::Simulator {
 public:
  std::string name() const override { return "gaussian_blob"; }
  int theta_dim() const override { return 3; }
  int x_dim() const override { return kPixels * kPixels; }
  core::DataShape x_shape() const override { return core::DataShape::image(kPixels, kPixels); }
  void simulate(const Eigen::Ref<const Eigen::VectorXd>& theta, core::Rng* rng,
                Eigen::Ref<Eigen::VectorXd> x) const override {
    for (int i = 0; i < kPixels; ++i)
      for (int j = 0; j < kPixels; ++j) {
        const double r2 = (j - theta[0]) * (j - theta[0]) + (i - theta[1]) * (i - theta[1]);
        x[i * kPixels + j] = std::exp(-r2 / (2 * theta[2] * theta[2])) + 0.05 * rng->normal();
      }
  }
};

simulators::Task blob_task() {
  return {std::make_unique<GaussianBlob>(), core::Prior::parse("uniform(4,12)*2,uniform(1,3)")};
}

TEST(ImageData, SimulatesTrainsAndSamplesAsImages) {
  const simulators::Task task = blob_task();
  simulators::SimulateOptions so;
  so.seed = 3;
  const simulators::SimulationBatch batch = simulators::simulate_from_prior(task, 4000, so);
  testing::TempDir dir;
  {
    io::H5File f = io::H5File::create(dir.file("sims.h5"));
    write_simulations(f, batch.theta, batch.x, task.simulator->x_shape());
  }
  {
    io::H5File f = io::H5File::open_read(dir.file("sims.h5"));
    EXPECT_EQ(f.shape("/x"), (std::vector<size_t>{4000, 16, 16}));
    EXPECT_EQ(f.get_int_attr("/", "image_height"), 16);
  }
  const SimulationData data = load_simulations(dir.file("sims.h5"), NonFinitePolicy::kError);
  EXPECT_EQ(data.x_shape, core::DataShape::image(16, 16));
  EXPECT_EQ(data.x, batch.x);  // the same pixels in the same order

  ModelOptions mo;
  mo.density.kind = sbi::DensityKind::kRealNVP;  // the estimator this test was written for
  mo.embedding = parse_embedding_kind("mlp");  // flatten + MLP: the placeholder until a CNN embedding exists
  mo.embedding_dim = 16;
  mo.seed = 1;
  PosteriorModel model = PosteriorModel::create(mo, 3, data.x.rows(), data.x_shape);
  model.prior = task.prior;
  TrainOptions to;
  to.max_epochs = 40;
  to.seed = 1;
  TrainSummary summary;
  train(to, data.theta, data.x, &model, &summary);
  // One mean and std for the whole channel, not one per pixel.
  EXPECT_EQ(model.x_norm.mean.minCoeff(), model.x_norm.mean.maxCoeff());
  EXPECT_EQ(model.x_norm.std.minCoeff(), model.x_norm.std.maxCoeff());
  EXPECT_GT(model.x_norm.std[0], 0.05);

  save_model(dir.file("model.h5"), model, summary, io::Provenance{});
  const PosteriorModel loaded = load_model(dir.file("model.h5"));
  EXPECT_EQ(loaded.x_shape, core::DataShape::image(16, 16));

  // An observed image (16, 16), and the same as a stack of K = 2 (2, 16, 16).
  const Eigen::Vector3d truth(6.5, 9.0, 2.0);
  core::Rng rng(11);
  Eigen::VectorXd image(kPixels * kPixels);
  task.simulator->simulate(truth, &rng, image);
  {
    io::H5File f = io::H5File::create(dir.file("obs.h5"));
    f.write_array("/x", {16, 16}, std::vector<double>(image.data(), image.data() + image.size()));
    Eigen::MatrixXd two(image.size(), 2);
    two << image, image;
    f.write_array("/stack", {2, 16, 16}, std::vector<double>(two.data(), two.data() + two.size()));
  }
  const Eigen::MatrixXd x_obs = load_observations(dir.file("obs.h5"), loaded.x_dim(), loaded.x_shape);
  ASSERT_EQ(x_obs.cols(), 1);
  EXPECT_EQ(x_obs.col(0), image);

  SampleOptions sample_options;
  sample_options.num_samples = 4000;
  SampleSummary ss;
  const PosteriorSamples draws = sample_posterior(loaded, x_obs.col(0), sample_options, &ss);
  const Eigen::Vector3d mean = draws.theta.rowwise().mean();
  // The blob's centre is measured by 256 pixels at S/N ~ 20 in its core: the posterior
  // centre lies within half a pixel of the truth, far inside the prior's 8-pixel width.
  EXPECT_NEAR(mean[0], truth[0], 0.5) << summary.message;
  EXPECT_NEAR(mean[1], truth[1], 0.5) << summary.message;
}

TEST(ImageData, ObservationOfTheWrongShapeIsAClearError) {
  testing::TempDir dir;
  {
    io::H5File f = io::H5File::create(dir.file("obs.h5"));
    f.write_array("/x", {8, 32}, std::vector<double>(256, 0.0));
  }
  try {
    load_observations(dir.file("obs.h5"), 256, core::DataShape::image(16, 16));
    ADD_FAILURE() << "an (8, 32) image was accepted for a 16 x 16 model";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/x has shape (8, 32), but the model takes an image of "
                                         "16 x 16 pixels: (16, 16) for one image or (K, 16, 16) for K"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace sbi
