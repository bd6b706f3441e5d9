// A damaged model never yields NaN results: load_model refuses NaN/Inf weights and
// normalisation, sampling and MAP blame the model for non-finite draws, and a network too
// large for this machine is refused, with its size, before any layer is allocated.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/memory_budget.h"
#include "sbi/map.h"
#include "sbi/model_file.h"
#include "sbi/model_size.h"
#include "sbi/posterior_sampler.h"
#include "testing/raw_hdf5_poke.h"
#include "testing/temp_dir.h"

namespace sbi {
namespace {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const core::Error& e) {
    return e.what();
  }
  return "";
}

PosteriorModel small_model() {
  ModelOptions mo;
  mo.density.kind = sbi::DensityKind::kRealNVP;  // the estimator this test was written for
  mo.density.transforms = 2;
  mo.density.hidden = 8;
  mo.density.layers = 1;
  mo.seed = 4;
  PosteriorModel m = PosteriorModel::create(mo, 2, 2);
  m.prior = core::Prior::parse("uniform(-3,3)*2");
  return m;
}

// The first weight of the first conditioner set to NaN: every hidden unit it feeds is NaN for
// every input, and so (0 x NaN = NaN through the zero-initialised output layer) is the
// transformed half of the first coupling layer: theta_1 (layer 0 keeps theta_0).
PosteriorModel model_with_nan_weight() {
  PosteriorModel m = small_model();
  (*m.parameters()[0].value)(0, 0) = std::numeric_limits<double>::quiet_NaN();
  return m;
}

const char* kNanDraw =
    "the model produced a non-finite posterior draw (draw 0: theta_1 is NaN) for a finite "
    "observation: its weights or normalisation are damaged (NaN/Inf) or its training "
    "diverged; retrain the model";

TEST(ModelGuards, SamplingWithNanWeightsBlamesTheModel) {
  const PosteriorModel m = model_with_nan_weight();
  SampleOptions so;
  so.num_samples = 100;
  SampleSummary summary;
  // Before: rejected as outside the prior ("the observation is probably outside what the
  // simulations cover"), or, without the restriction, 100 NaN draws.
  for (const bool restrict : {true, false}) {
    so.restrict_to_prior = restrict;
    EXPECT_EQ(error_of([&] { sample_posterior(m, Eigen::Vector2d(0.1, 0.2), so, &summary); }),
              kNanDraw)
        << restrict;
  }
}

TEST(ModelGuards, MapWithNanWeightsBlamesTheModel) {
  PosteriorModel m = model_with_nan_weight();
  MapOptions options;
  options.num_candidates = 50;
  MapSummary summary;
  for (const bool restrict : {true, false}) {
    options.restrict_to_prior = restrict;
    EXPECT_EQ(error_of([&] { find_map(&m, Eigen::Vector2d(0.1, 0.2), options, &summary); }),
              kNanDraw)
        << restrict;
  }
}

// Saves small_model() and returns the path and the name of a hidden x hidden weight matrix.
std::string saved_model(const sbi::testing::TempDir& dir, std::string* square_weight) {
  PosteriorModel m = small_model();
  for (const nn::Parameter& p : m.parameters())
    if (p.value->rows() == 8 && p.value->cols() == 8 && square_weight->empty())
      *square_weight = p.name;
  TrainSummary summary;
  summary.history.push_back({1, 1.0, 1.0, 0.1, {}, {}});
  summary.epochs = summary.best_epoch = 1;
  const std::string path = dir.file("model.h5");
  save_model(path, m, summary, io::Provenance{});
  return path;
}

TEST(ModelGuards, LoadRefusesNanWeightsNamingTheDatasetAndElement) {
  sbi::testing::TempDir dir;
  std::string name;
  const std::string path = saved_model(dir, &name);
  ASSERT_FALSE(name.empty());
  EXPECT_NO_THROW(load_model(path));
  sbi::testing::poke_raw_value(path, "/weights/" + name, 3, 4,
                               std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(error_of([&] { load_model(path); }),
            path + ": /weights/" + name +
                " has NaN at row 3, column 4: the file is damaged or training diverged; retrain");
  sbi::testing::poke_raw_value(path, "/weights/" + name, 3, 4, -INFINITY);
  EXPECT_EQ(error_of([&] { load_model(path); }),
            path + ": /weights/" + name +
                " has Inf at row 3, column 4: the file is damaged or training diverged; retrain");
}

TEST(ModelGuards, LoadRefusesDamagedNormalisation) {
  sbi::testing::TempDir dir;
  std::string name;
  const std::string path = saved_model(dir, &name);
  sbi::testing::poke_raw_value(path, "/normalization/theta_mean", 1, 0, INFINITY);
  EXPECT_EQ(error_of([&] { load_model(path); }),
            path + ": /normalization/theta_mean has Inf at index 1: the file is damaged or "
                   "training diverged; retrain");
  sbi::testing::poke_raw_value(path, "/normalization/theta_mean", 1, 0, 0.0);
  sbi::testing::poke_raw_value(path, "/normalization/x_std", 0, 0, 0.0);
  EXPECT_EQ(error_of([&] { load_model(path); }),
            path + ": /normalization/x_std has 0 at index 0 (a standard deviation must be > 0): "
                   "the file is damaged; retrain");
}

double count_weights(PosteriorModel& m) {
  double n = 0;
  for (const nn::Parameter& p : m.parameters()) n += static_cast<double>(p.value->size());
  return n;
}

TEST(ModelSize, EstimateIsExactForEveryEstimatorAndEmbedding) {
  struct Case {
    const char* estimator;
    const char* embedding;
    int theta_dim, x_dim, transforms, hidden, layers;
    core::DataShape layout;
  };
  const Case cases[] = {
      {"realnvp", "none", 1, 3, 3, 8, 2, {}},  {"realnvp", "none", 2, 2, 4, 16, 1, {}},
      {"realnvp", "mlp", 3, 7, 5, 8, 0, {}},   {"realnvp", "none", 5, 4, 3, 6, 2, {}},
      {"nsf", "none", 3, 2, 3, 8, 1, {}},      {"nsf", "mlp", 1, 2, 2, 8, 2, {}},
      {"cnf", "none", 2, 3, 1, 16, 2, {}},     {"cnf", "mlp", 3, 2, 1, 8, 1, {}},
      {"realnvp", "deepsets", 2, 12, 2, 8, 1, core::DataShape::set(4, 2, true)},
      {"nsf", "deepsets", 2, 15, 2, 8, 1, core::DataShape::set(5, 3, false)},
      {"nsf", "cnn", 2, 12 * 10, 2, 8, 1, core::DataShape::image(12, 10)},
      {"realnvp", "cnn", 3, 2 * 16 * 9, 2, 8, 1, core::DataShape::image(16, 9, 2)},
  };
  for (const Case& c : cases) {
    for (const char* pooling : {"mean", "mean+sum"}) {
      ModelOptions mo;
      mo.density.kind = sbi::parse_density_kind(c.estimator);
      mo.embedding = parse_embedding_kind(c.embedding);
      mo.density.transforms = c.transforms;
      mo.density.hidden = c.hidden;
      mo.density.layers = c.layers;
      mo.embedding_hidden = 6;
      mo.embedding_dim = 5;
      mo.embedding_layers = 1;
      mo.pooling = nn::parse_pooling(pooling);
      mo.set_norm = c.layout.masked;
      if (std::string(c.estimator) == "cnf") mo.density.activation = nn::parse_activation("silu");
      mo.cnn_channels = {3, 4};
      mo.cnn_kernel = pooling[4] == '+' ? 5 : 3;  // both kernel sizes
      mo.cnn_readout = pooling[4] == '+' ? nn::CnnReadout::kMean : nn::CnnReadout::kFlatten;
      PosteriorModel m = PosteriorModel::create(mo, c.theta_dim, c.x_dim, c.layout);
      EXPECT_EQ(estimate_model_size(mo, c.theta_dim, c.x_dim, c.layout).weights, count_weights(m))
          << c.estimator << " " << c.embedding << " theta_dim " << c.theta_dim << " " << pooling;
    }
  }
}

TEST(ModelSize, HugeNetworkIsRefusedWithItsSize) {
  ModelOptions mo;
  mo.density.kind = sbi::DensityKind::kRealNVP;  // the estimator this test was written for
  mo.density.hidden = 1000000;
  const double weights = estimate_model_size(mo, 2, 2).weights;
  // 5 transforms x (4 hidden x hidden layers + in/out layers) ~ 2e13 weights.
  EXPECT_NEAR(weights, 2.0e13, 0.01e13);
  EXPECT_EQ(error_of([&] { PosteriorModel::create(mo, 2, 2); })
                .rfind("the realnvp network (5 transforms of width 1000000 with 2 blocks, "
                       "embedding none; 2e+13 weights, with their gradients and Adam moments) "
                       "needs " + core::format_bytes(32 * weights) + ", more than this machine's",
                       0),
            0u);
  EXPECT_EQ(core::format_bytes(32 * weights), "582 TiB");
}

TEST(ModelSize, TheTotalIsCheckedNotOnlyEachLayer) {
  // Each 4000 x 4000 layer (512 MiB for training) fits; 100000 transforms of them do not.
  ModelOptions mo;
  mo.density.kind = sbi::DensityKind::kRealNVP;  // the estimator this test was written for
  mo.density.hidden = 4000;
  mo.density.transforms = 100000;
  const std::string message = error_of([&] { PosteriorModel::create(mo, 2, 2); });
  EXPECT_EQ(message.rfind("the realnvp network (100000 transforms of width 4000 with 2 blocks, "
                          "embedding none; 6.4e+12 weights",
                          0),
            0u)
      << message;
  // An embedding counts too.
  mo = ModelOptions{};
  mo.density.kind = sbi::DensityKind::kRealNVP;  // the estimator this test was written for
  mo.embedding = parse_embedding_kind("mlp");
  mo.embedding_hidden = 1000000;
  EXPECT_EQ(error_of([&] { PosteriorModel::create(mo, 2, 2); })
                .rfind("the realnvp network (5 transforms of width 64 with 2 blocks, embedding mlp "
                       "of width 1000000 to 20; 1e+12 weights",
                       0),
            0u);
}

}  // namespace
}  // namespace sbi
