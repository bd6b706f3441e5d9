// Masks of x (sbi train --mask, sbi/x_mask.h): a masked pixel carries no information. Its
// value changes neither the standardisation statistics, nor training, nor log q at an
// observation (bitwise), the mask survives the model file, and bad masks are one clear error.
#include "sbi/x_mask.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/rng.h"
#include "io/h5_file.h"
#include "sbi/model_file.h"
#include "sbi/posterior_model.h"
#include "sbi/trainer.h"
#include "testing/temp_dir.h"

namespace sbi {
namespace {

constexpr int kSide = 8;
const core::DataShape kImage = core::DataShape::image(kSide, kSide);

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const core::Error& e) {
    return e.what();
  }
  return "";
}

// Masked: the last column (a bad column) and the top-left 2 x 2 corner.
Standardizer::Mask test_mask() {
  Standardizer::Mask mask = Standardizer::Mask::Constant(kSide * kSide, true);
  for (int r = 0; r < kSide; ++r) mask[r * kSide + kSide - 1] = false;
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c) mask[r * kSide + c] = false;
  return mask;
}

bool same(const Standardizer::Mask& a, const Standardizer::Mask& b) {
  return a.size() == b.size() && (a == b).all();
}

std::vector<double> as_values(const Standardizer::Mask& mask) {
  std::vector<double> v(mask.size());
  for (Eigen::Index i = 0; i < mask.size(); ++i) v[i] = mask[i] ? 1.0 : 0.0;
  return v;
}

// theta (2 x n) ~ N(0, 1); x = a blob of brightness 1 + theta_0 at a column set by theta_1,
// plus N(0, 0.1²) noise: x depends on theta through unmasked pixels.
void toy_data(long n, std::uint64_t seed, Eigen::MatrixXd* theta, Eigen::MatrixXd* x) {
  core::Rng rng(seed);
  theta->resize(2, n);
  x->resize(kSide * kSide, n);
  for (long j = 0; j < n; ++j) {
    (*theta)(0, j) = rng.normal();
    (*theta)(1, j) = rng.normal();
    const double col = 3.5 + (*theta)(1, j), bright = 1.0 + 0.3 * (*theta)(0, j);
    for (int r = 0; r < kSide; ++r)
      for (int c = 0; c < kSide; ++c) {
        const double d2 = (c - col) * (c - col) + (r - 3.5) * (r - 3.5);
        (*x)(r * kSide + c, j) = bright * std::exp(-d2 / 4.0) + 0.1 * rng.normal();
      }
  }
}

// Garbage in every masked pixel: huge values and, unless `finite`, NaN and Inf (training
// data must be finite everywhere: simulations are; an observation may have NaN under the mask).
Eigen::MatrixXd spoil_masked(Eigen::MatrixXd x, const Standardizer::Mask& mask,
                             bool finite = false) {
  const double garbage[] = {1e6, finite ? 1e3 : std::numeric_limits<double>::quiet_NaN(),
                            finite ? -2e5 : -std::numeric_limits<double>::infinity(), -3e4};
  int k = 0;
  for (Eigen::Index i = 0; i < mask.size(); ++i)
    if (!mask[i])
      for (Eigen::Index j = 0; j < x.cols(); ++j) x(i, j) = garbage[(k++) % 4];
  return x;
}

PosteriorModel small_cnn_model() {
  ModelOptions o;
  o.density.kind = sbi::DensityKind::kRealNVP;
  o.density.transforms = 2;
  o.density.hidden = 16;
  o.embedding = EmbeddingKind::kCnn;
  o.cnn_channels = {4, 8};
  o.embedding_hidden = 16;
  o.embedding_layers = 1;
  o.embedding_dim = 4;
  o.seed = 5;
  return PosteriorModel::create(o, 2, kSide * kSide, kImage);
}

PosteriorModel trained_masked_model(const Eigen::MatrixXd& theta, const Eigen::MatrixXd& x) {
  PosteriorModel m = small_cnn_model();
  m.set_x_mask(test_mask(), "mask.h5");
  TrainOptions t;
  t.max_epochs = 2;
  t.batch_size = 32;
  t.seed = 2;
  TrainSummary summary;
  train(t, theta, x, &m, &summary);
  return m;
}

TEST(XMask, ImageStatisticsPoolOnlyTheUnmaskedPixels) {
  Eigen::MatrixXd theta, x;
  toy_data(50, 1, &theta, &x);
  const Standardizer::Mask mask = test_mask();
  const Standardizer s = Standardizer::fit(spoil_masked(x, mask), kImage, {}, mask);
  // The same statistics computed here over the used pixels only.
  double sum = 0, sum2 = 0;
  long count = 0;
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    if (mask[i])
      for (Eigen::Index j = 0; j < x.cols(); ++j) sum += x(i, j), ++count;
  const double mean = sum / count;
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    if (mask[i])
      for (Eigen::Index j = 0; j < x.cols(); ++j) sum2 += (x(i, j) - mean) * (x(i, j) - mean);
  const double std = std::sqrt(sum2 / (count - 1));
  EXPECT_NEAR(s.mean[0], mean, 1e-12 * std::abs(mean));
  EXPECT_NEAR(s.std[0], std, 1e-12 * std);
  EXPECT_EQ(s.mean.minCoeff(), s.mean.maxCoeff());  // still one value per channel
  EXPECT_EQ(s.used(), 64 - 8 - 4);
  // Without the mask, the 1e6 pixels would dominate the scale (and NaN would be refused).
  const Standardizer plain = Standardizer::fit(x, kImage);
  EXPECT_GT(std::abs(plain.mean[0] - s.mean[0]), 0.0);
  EXPECT_NE(error_of([&] { Standardizer::fit(spoil_masked(x, mask), kImage); }), "");

  // apply(): 0 in every masked pixel whatever it held, (v - mean) / std elsewhere.
  const Eigen::MatrixXd u = s.apply(spoil_masked(x, mask));
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      EXPECT_EQ(u(i, j), mask[i] ? (x(i, j) - s.mean[i]) / s.std[i] : 0.0) << i << ", " << j;
}

TEST(XMask, VectorStatisticsOfUnmaskedDimensionsAreUnchanged) {
  core::Rng rng(4);
  Eigen::MatrixXd v(4, 30);
  for (Eigen::Index i = 0; i < v.size(); ++i) v.data()[i] = 3.0 + 2.0 * rng.normal();
  Standardizer::Mask mask(4);
  mask << true, false, true, true;
  Eigen::MatrixXd spoiled = v;
  spoiled.row(1).setConstant(std::numeric_limits<double>::quiet_NaN());
  const Standardizer masked = Standardizer::fit(spoiled, {}, {}, mask);
  const Standardizer plain = Standardizer::fit(v);
  for (int i : {0, 2, 3}) {
    EXPECT_EQ(masked.mean[i], plain.mean[i]) << i;  // bitwise: the same reductions
    EXPECT_EQ(masked.std[i], plain.std[i]) << i;
  }
  EXPECT_EQ(masked.mean[1], 0.0);
  EXPECT_EQ(masked.std[1], 1.0);
  EXPECT_TRUE(masked.apply(spoiled).row(1).isZero(0.0));
}

TEST(XMask, MaskedPixelsOfAnObservationLeaveLogQBitwiseIdentical) {
  Eigen::MatrixXd theta, x;
  toy_data(400, 1, &theta, &x);
  const PosteriorModel m = trained_masked_model(theta, x);
  const Standardizer::Mask mask = test_mask();
  Eigen::MatrixXd theta_obs, x_obs;
  toy_data(1, 9, &theta_obs, &x_obs);
  const Eigen::MatrixXd thetas = theta.leftCols(50);
  const Eigen::VectorXd lp = m.log_prob(thetas, x_obs);
  ASSERT_TRUE(lp.allFinite());
  EXPECT_EQ(m.log_prob(thetas, spoil_masked(x_obs, mask)), lp);  // NaN and Inf included
  Eigen::MatrixXd shifted = x_obs;
  for (Eigen::Index i = 0; i < mask.size(); ++i)
    if (!mask[i]) shifted(i, 0) += 0.5;
  EXPECT_EQ(m.log_prob(thetas, shifted), lp);
  // Draws with the same random stream are the same draws.
  core::Rng rng_a(3), rng_b(3);
  EXPECT_EQ(m.draw(20, x_obs.col(0), &rng_a), m.draw(20, spoil_masked(x_obs, mask).col(0), &rng_b));
  // The control: an unmasked pixel does change log q (the test can fail).
  Eigen::MatrixXd unmasked = x_obs;
  unmasked(3 * kSide + 3, 0) += 0.5;
  EXPECT_NE(m.log_prob(thetas, unmasked), lp);
  // A NaN where the mask uses the pixel is still an error, naming the pixel.
  Eigen::MatrixXd bad = x_obs;
  bad(3 * kSide + 3, 0) = std::numeric_limits<double>::quiet_NaN();
  const std::string e = error_of([&] { m.log_prob(thetas, bad); });
  EXPECT_NE(e.find("NaN or Inf"), std::string::npos) << e;
  EXPECT_NE(e.find("x_27"), std::string::npos) << e;
}

TEST(XMask, AVectorModelIgnoresItsMaskedEntries) {
  ModelOptions o;
  o.density.kind = sbi::DensityKind::kRealNVP;
  o.density.transforms = 2;
  o.density.hidden = 8;
  o.embedding = EmbeddingKind::kMlp;
  o.embedding_dim = 3;
  o.embedding_hidden = 8;
  o.seed = 4;
  PosteriorModel m = PosteriorModel::create(o, 2, 4);
  Standardizer::Mask mask(4);
  mask << true, true, false, true;
  m.set_x_mask(mask, "vector_mask.h5");
  // x = (θ0, θ1, θ0 + θ1, θ0 - θ1) + N(0, 0.1²); a short training makes log q depend on x.
  core::Rng rng(6);
  Eigen::MatrixXd train_theta(2, 300), train_x(4, 300);
  for (int j = 0; j < 300; ++j) {
    const double a = rng.normal(), b = rng.normal();
    train_theta.col(j) << a, b;
    train_x.col(j) << a, b, a + b, a - b;
    for (int i = 0; i < 4; ++i) train_x(i, j) += 0.1 * rng.normal();
  }
  TrainOptions t;
  t.max_epochs = 3;
  t.seed = 1;
  TrainSummary summary;
  train(t, train_theta, train_x, &m, &summary);
  EXPECT_EQ(m.x_norm.mean[2], 0.0);  // left out of the statistics
  EXPECT_EQ(m.x_norm.std[2], 1.0);
  Eigen::MatrixXd theta(2, 5);
  theta << 0.1, -0.4, 1.2, 0.0, 2.0, -1.0, 0.3, 0.5, -0.2, 0.8;
  Eigen::Vector4d x(0.5, -1.0, 2.0, 0.25);
  const Eigen::VectorXd lp = m.log_prob(theta, x);
  for (double v : {-30.0, 1e8, std::numeric_limits<double>::quiet_NaN()}) {
    x[2] = v;
    EXPECT_EQ(m.log_prob(theta, x), lp) << v;
  }
  x[1] = 3.0;  // a used entry
  EXPECT_NE(m.log_prob(theta, x), lp);
}

TEST(XMask, TrainingDoesNotSeeMaskedPixels) {
  Eigen::MatrixXd theta, x;
  toy_data(300, 1, &theta, &x);
  const Standardizer::Mask mask = test_mask();
  const PosteriorModel a = trained_masked_model(theta, x);
  const PosteriorModel b = trained_masked_model(theta, spoil_masked(x, mask, /*finite=*/true));
  EXPECT_EQ(a.x_norm.mean, b.x_norm.mean);
  EXPECT_EQ(a.x_norm.std, b.x_norm.std);
  EXPECT_TRUE(same(b.x_norm.mask, mask));
  Eigen::MatrixXd theta_obs, x_obs;
  toy_data(1, 9, &theta_obs, &x_obs);
  EXPECT_EQ(a.log_prob(theta.leftCols(20), x_obs), b.log_prob(theta.leftCols(20), x_obs));
}

TEST(XMask, TheModelFileKeepsTheMask) {
  Eigen::MatrixXd theta, x;
  toy_data(200, 1, &theta, &x);
  const Standardizer::Mask mask = test_mask();
  PosteriorModel m = trained_masked_model(theta, x);
  testing::TempDir dir;
  save_model(dir.file("m.h5"), m, TrainSummary{}, io::Provenance{});
  const PosteriorModel back = load_model(dir.file("m.h5"));
  EXPECT_TRUE(same(back.x_norm.mask, mask));
  EXPECT_EQ(back.x_mask_source, "mask.h5");
  Eigen::MatrixXd theta_obs, x_obs;
  toy_data(1, 9, &theta_obs, &x_obs);
  const Eigen::MatrixXd spoiled = spoil_masked(x_obs, mask);
  EXPECT_EQ(back.log_prob(theta.leftCols(20), spoiled), m.log_prob(theta.leftCols(20), x_obs));
  {
    io::H5File f = io::H5File::open_read(dir.file("m.h5"));
    EXPECT_EQ(f.dtype("/normalization/x_mask"), "uint8");
    EXPECT_EQ(f.shape("/normalization/x_mask"), (std::vector<size_t>{kSide, kSide}));
    EXPECT_EQ(f.get_string_attr("/normalization/x_mask", "source"), "mask.h5");
    EXPECT_EQ(f.get_int_attr("/normalization/x_mask", "pixels_used"), 52);
    EXPECT_EQ(f.get_int_attr("/normalization/x_mask", "pixels_total"), 64);
    EXPECT_EQ(f.get_int_attr("/", "format_version"), 3);  // older programs refuse it
  }
  // Without a mask: no dataset, version 2 as before, loads with every pixel used.
  PosteriorModel plain = small_cnn_model();
  save_model(dir.file("plain.h5"), plain, TrainSummary{}, io::Provenance{});
  {
    io::H5File f = io::H5File::open_read(dir.file("plain.h5"));
    EXPECT_FALSE(f.has("/normalization/x_mask"));
    EXPECT_EQ(f.get_int_attr("/", "format_version"), 2);
  }
  const PosteriorModel plain_back = load_model(dir.file("plain.h5"));
  EXPECT_FALSE(plain_back.x_norm.has_mask());
  EXPECT_EQ(plain_back.x_mask_source, "");
  // A damaged mask in a model file is refused, naming the file and the dataset.
  {
    io::H5File f = io::H5File::open_read_write(dir.file("plain.h5"));
    std::vector<double> values = as_values(mask);
    values[10] = 2;
    f.write_array("/normalization/x_mask", {kSide, kSide}, values);
  }
  const std::string e = error_of([&] { load_model(dir.file("plain.h5")); });
  EXPECT_NE(e.find("plain.h5: /normalization/x_mask has 2 at (1, 2)"), std::string::npos) << e;
}

TEST(XMask, ReadsTheMaskOfAnObservationFile) {
  testing::TempDir dir;
  const Standardizer::Mask mask = test_mask();
  {
    io::H5File f = io::H5File::create(dir.file("obs.h5"));
    f.write_array("/x", {kSide, kSide}, std::vector<double>(kSide * kSide, 0.5));
    f.write_array("/psf", {3, 3}, std::vector<double>(9, 1.0 / 9));
    f.write_array("/noise_map", {kSide, kSide}, std::vector<double>(kSide * kSide, 0.1));
    f.write_array("/mask", {kSide, kSide}, as_values(mask));
  }
  EXPECT_TRUE(same(read_x_mask(dir.file("obs.h5"), kImage), mask));
  // An (H, W) mask serves every channel of a (C, H, W) image; a (C, H, W) one is taken as is.
  const Standardizer::Mask three =
      read_x_mask(dir.file("obs.h5"), core::DataShape::image(kSide, kSide, 3));
  ASSERT_EQ(three.size(), 3 * 64);
  for (int c = 0; c < 3; ++c) EXPECT_TRUE(same(three.segment(c * 64, 64), mask)) << c;
  // A vector of the same length takes a (D,) mask.
  {
    io::H5File f = io::H5File::create(dir.file("vector.h5"));
    f.write_array("/mask", {4}, {1, 0, 1, 1});
  }
  EXPECT_EQ(read_x_mask(dir.file("vector.h5"), core::DataShape::vector(4)).count(), 3);
  // An integer dataset is read as well.
  {
    io::H5File f = io::H5File::create(dir.file("uint8.h5"));
    f.write_uint8_array("/mask", {2, 2}, {1, 0, 1, 1});
  }
  EXPECT_EQ(read_x_mask(dir.file("uint8.h5"), core::DataShape::image(2, 2)).count(), 3);
}

TEST(XMask, BadMasksAreOneClearError) {
  testing::TempDir dir;
  auto write = [&](const std::string& name, const std::vector<size_t>& shape,
                   const std::vector<double>& values) {
    io::H5File f = io::H5File::create(dir.file(name));
    f.write_array("/mask", shape, values);
    return dir.file(name);
  };
  auto read_error = [&](const std::string& path, const core::DataShape& shape) {
    return error_of([&] { read_x_mask(path, shape, "--mask"); });
  };
  std::vector<double> ones(kSide * kSide, 1.0);
  std::string e = read_error(write("small.h5", {6, 8}, std::vector<double>(48, 1.0)), kImage);
  EXPECT_NE(e.find("--mask " + dir.file("small.h5") + ": /mask has shape (6, 8), but x is an image "
                   "of 8 x 8 pixels, whose per-pixel maps have shape (8, 8)"),
            std::string::npos) << e;
  ones[13] = 0.5;
  e = read_error(write("half.h5", {kSide, kSide}, ones), kImage);
  EXPECT_NE(e.find("/mask has 0.5 at (1, 5); a mask holds 1 (use the pixel) or 0"),
            std::string::npos) << e;
  ones[13] = std::numeric_limits<double>::quiet_NaN();
  e = read_error(write("nan.h5", {kSide, kSide}, ones), kImage);
  EXPECT_NE(e.find("/mask has NaN at (1, 5)"), std::string::npos) << e;
  e = read_error(write("zeros.h5", {kSide, kSide}, std::vector<double>(64, 0.0)), kImage);
  EXPECT_NE(e.find("/mask is 0 everywhere"), std::string::npos) << e;
  e = read_error(write("set.h5", {12}, std::vector<double>(12, 1.0)),
                 core::DataShape::set(4, 2, true));
  EXPECT_NE(e.find("cannot apply to x, a set"), std::string::npos) << e;
  e = read_error(write("vector.h5", {5}, std::vector<double>(5, 1.0)), core::DataShape::vector(4));
  EXPECT_NE(e.find("/mask has shape (5,), but x is a vector of 4, whose per-pixel maps have shape (4,)"),
            std::string::npos) << e;
  {
    io::H5File f = io::H5File::create(dir.file("nomask.h5"));
    f.write_array("/x", {kSide, kSide}, std::vector<double>(64, 0.0));
  }
  e = read_error(dir.file("nomask.h5"), kImage);
  EXPECT_NE(e.find("--mask " + dir.file("nomask.h5") + " has no /mask dataset"),
            std::string::npos) << e;
  e = read_error(dir.file("missing.h5"), kImage);
  EXPECT_EQ(e.rfind("--mask: ", 0), 0u) << e;
  EXPECT_NE(e.find("missing.h5"), std::string::npos) << e;

  // The model refuses a mask that does not fit it.
  PosteriorModel m = small_cnn_model();
  e = error_of([&] { m.set_x_mask(Standardizer::Mask::Constant(10, true), "m.h5"); });
  EXPECT_NE(e.find("the mask has 10 entries, but x has 64"), std::string::npos) << e;
  e = error_of([&] { m.set_x_mask(Standardizer::Mask::Constant(64, false), "m.h5"); });
  EXPECT_NE(e.find("leaves no dimension"), std::string::npos) << e;
}

}  // namespace
}  // namespace sbi
