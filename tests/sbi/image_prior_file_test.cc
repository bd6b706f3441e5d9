// Training an image prior with the toolkit's loop (sbi/image_prior_training.h) and its file
// (sbi/image_prior_file.h): the loss falls, a saved prior loads to the same draws, damaged
// files are refused by name.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "io/h5_file.h"
#include "io/output_files.h"
#include "sbi/image_prior_file.h"
#include "sbi/image_prior_training.h"
#include "testing/temp_dir.h"

namespace sbi {
namespace {

// 4 x 4 images of a Gaussian blob of random amplitude and position.
Eigen::MatrixXd blobs(int n, core::Rng* rng) {
  Eigen::MatrixXd x(16, n);
  for (int k = 0; k < n; ++k) {
    const double amp = rng->uniform(0.5, 2.0), cx = rng->uniform(1.0, 2.0), cy = rng->uniform(1.0, 2.0);
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 4; ++c) x(r * 4 + c, k) = amp * std::exp(-((r - cy) * (r - cy) + (c - cx) * (c - cx)) / 2);
  }
  return x;
}

TEST(ImagePriorFile, TrainsSavesAndLoadsTheSamePrior) {
  core::Rng rng(1, 0);
  const Eigen::MatrixXd x = blobs(600, &rng);
  ImagePriorOptions options;
  options.variance_fraction = 0.9999;
  options.score.hidden = 16;
  options.score.num_blocks = 1;
  options.score.seed = 2;
  TrainOptions train;
  train.max_epochs = 8;
  train.batch_size = 64;
  train.seed = 3;
  TrainSummary summary;
  diffusion::ImagePrior prior = train_image_prior(x, core::DataShape::image(4, 4), options, train, &summary);
  EXPECT_EQ(summary.num_validation, 60);
  EXPECT_EQ(summary.num_train, 540);
  ASSERT_EQ(summary.history.size(), 8u);
  EXPECT_LT(summary.best_validation_loss, summary.history.front().validation_loss);
  EXPECT_GE(prior.basis().retained_fraction(), 0.9999);
  EXPECT_LE(prior.basis().size(), 16);

  testing::TempDir dir;
  const std::string path = dir.file("prior.h5");
  io::Provenance provenance;
  io::write_hdf5_file(path, [&](io::H5File& f) { write_image_prior(f, prior, summary, provenance, "blobs"); });
  const diffusion::ImagePrior loaded = load_image_prior(path);
  EXPECT_EQ(loaded.shape(), prior.shape());
  EXPECT_EQ(loaded.basis().components, prior.basis().components);
  core::Rng r1(9, 0), r2(9, 0);
  const diffusion::ImagePrior& original = prior;
  EXPECT_EQ(loaded.sample(7, &r1), original.sample(7, &r2));

  // Damaged or foreign files.
  const std::string foreign = dir.file("foreign.h5");
  io::write_hdf5_file(foreign, [](io::H5File& f) { f.write_vector("/x", Eigen::VectorXd::Ones(3)); });
  EXPECT_THROW(load_image_prior(foreign), core::Error);
  const std::string broken = dir.file("broken.h5");
  io::write_hdf5_file(broken, [&](io::H5File& f) {
    write_image_prior(f, prior, summary, provenance, "blobs");
    f.write_vector("/pca/extra", Eigen::VectorXd::Ones(1));
  });
  EXPECT_NO_THROW(load_image_prior(broken));  // extra datasets are ignored
  const std::string bad_variance = dir.file("bad_variance.h5");
  io::write_hdf5_file(bad_variance, [&](io::H5File& f) {
    diffusion::ImagePrior copy = load_image_prior(path);
    write_image_prior(f, copy, summary, provenance, "blobs");
    f.set_attr("/pca", "total_variance", -1.0);
  });
  try {
    load_image_prior(bad_variance);
    FAIL() << "a total variance below the kept variances loaded";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find(bad_variance), std::string::npos) << e.what();
  }
}

TEST(ImagePriorFile, TrainingRefusesBadImagesAndOptions) {
  core::Rng rng(1, 0);
  Eigen::MatrixXd x = blobs(50, &rng);
  ImagePriorOptions options;
  TrainOptions train;
  train.max_epochs = 1;
  TrainSummary summary;
  EXPECT_THROW(train_image_prior(x, core::DataShape::image(3, 4), options, train, &summary), core::Error);
  options.score.schedule.kind = flows::ScheduleKind::kOptimalTransport;
  EXPECT_THROW(train_image_prior(x, core::DataShape::image(4, 4), options, train, &summary), core::Error);
  options = ImagePriorOptions();
  x(3, 7) = std::nan("");
  EXPECT_THROW(train_image_prior(x, core::DataShape::image(4, 4), options, train, &summary), core::Error);
}

}  // namespace
}  // namespace sbi
