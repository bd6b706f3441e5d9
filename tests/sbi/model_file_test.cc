// Model files: every hyperparameter round-trips with its type, and a seed above 2^53 (which
// a double would round) rebuilds exactly the trained network: log q bitwise identical.
#include "sbi/model_file.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/rng.h"
#include "io/h5_file.h"
#include "testing/temp_dir.h"

namespace sbi {
namespace {

struct Case {
  const char* estimator;
  const char* embedding;
};

TEST(ModelFile, EveryHyperparameterRoundTripsWithItsType) {
  for (const Case c : {Case{"realnvp", "none"}, Case{"nsf", "mlp"}, Case{"cnf", "mlp"}}) {
    SCOPED_TRACE(std::string(c.estimator) + " + " + c.embedding);
    ModelOptions o;
    o.density.kind = sbi::parse_density_kind(c.estimator);
    o.embedding = parse_embedding_kind(c.embedding);
    o.density.transforms = 2;
    o.density.hidden = 8;
    o.embedding_dim = 3;
    o.embedding_hidden = 8;
    o.density.activation = nn::parse_activation("silu");
    o.seed = 18446744073709551557ULL;
    PosteriorModel m = PosteriorModel::create(o, 2, 4);
    testing::TempDir dir;
    save_model(dir.file("m.h5"), m, TrainSummary{}, io::Provenance{});
    const PosteriorModel back = load_model(dir.file("m.h5"));
    EXPECT_EQ(back.density->hyperparameters(), m.density->hyperparameters());  // values and types
    EXPECT_EQ(back.embedding->hyperparameters(), m.embedding->hyperparameters());
    io::H5File f = io::H5File::open_read(dir.file("m.h5"));
    EXPECT_EQ(f.get_int_attr("/", "format_version"), 2);
    EXPECT_EQ(f.attr_dtype("/density/hyperparameters", "seed"), "uint64");
    EXPECT_EQ(f.get_uint64_attr("/density/hyperparameters", "seed"), 18446744073709551557ULL);
    EXPECT_EQ(f.attr_dtype("/density/hyperparameters", "hidden"), "int64");
    EXPECT_EQ(f.get_string_attr("/density/hyperparameters", "activation"), "silu");
    if (std::string(c.embedding) != "none") {
      EXPECT_EQ(f.get_string_attr("/embedding/hyperparameters", "activation"), "silu");
    }
  }
}

TEST(ModelFile, ASeedAbove2To53ReloadsBitwiseIdentical) {
  ModelOptions o;
  o.density.kind = sbi::DensityKind::kRealNVP;  // the estimator this test was written for
  o.density.transforms = 3;
  o.density.hidden = 16;
  o.seed = 18446744073709551557ULL;  // a prime just below 2^64; as a double it is 2^64
  core::Rng rng(3);
  const long n = 400;
  Eigen::MatrixXd theta(3, n), x(3, n);
  for (long j = 0; j < n; ++j)
    for (int d = 0; d < 3; ++d) {
      theta(d, j) = rng.normal();
      x(d, j) = theta(d, j) + 0.3 * rng.normal();
    }
  PosteriorModel m = PosteriorModel::create(o, 3, 3);
  TrainOptions t;
  t.max_epochs = 2;
  t.patience = 0;
  t.seed = o.seed;
  TrainSummary summary;
  train(t, theta, x, &m, &summary);
  const Eigen::VectorXd before = m.log_prob(theta.leftCols(50), x.leftCols(50));
  testing::TempDir dir;
  save_model(dir.file("m.h5"), m, summary, io::Provenance{});
  const Eigen::VectorXd after = load_model(dir.file("m.h5")).log_prob(theta.leftCols(50), x.leftCols(50));
  for (Eigen::Index i = 0; i < before.size(); ++i) EXPECT_EQ(before[i], after[i]) << i;
}

// A file of format version 1 (every hyperparameter a float64, enums by index) still loads
// into the same network.
TEST(ModelFile, FormatVersion1FilesStillLoad) {
  ModelOptions o;
  o.density.kind = sbi::parse_density_kind("nsf");
  o.embedding = parse_embedding_kind("mlp");
  o.density.transforms = 2;
  o.density.hidden = 8;
  o.density.activation = nn::parse_activation("tanh");
  o.seed = 12345;
  PosteriorModel m = PosteriorModel::create(o, 2, 3);
  testing::TempDir dir;
  save_model(dir.file("m.h5"), m, TrainSummary{}, io::Provenance{});
  {
    io::H5File f = io::H5File::open_read_write(dir.file("m.h5"));
    f.set_attr("/", "format_version", std::int64_t{1});
    const std::vector<std::string> activations = {"relu", "tanh", "silu", "elu"};
    for (const std::string group : {"/density/hyperparameters", "/embedding/hyperparameters"}) {
      for (const std::string& key : f.list_attrs(group)) {
        // Newer than format 1, read by their names.
        if (key == "inference_precision" || key == "training_precision") continue;
        double v = 0;
        if (f.attr_dtype(group, key) == "string") {
          const std::string name = f.get_string_attr(group, key);
          v = static_cast<double>(std::find(activations.begin(), activations.end(), name) -
                                  activations.begin());
        } else {
          v = f.get_double_attr(group, key);
        }
        f.set_attr(group, key, v);
      }
    }
  }
  ASSERT_EQ(io::H5File::open_read(dir.file("m.h5")).attr_dtype("/density/hyperparameters", "seed"),
            "float64");
  const PosteriorModel back = load_model(dir.file("m.h5"));
  EXPECT_EQ(back.density->hyperparameters(), m.density->hyperparameters());
  EXPECT_EQ(back.embedding->hyperparameters(), m.embedding->hyperparameters());
  core::Rng rng(1);
  Eigen::MatrixXd theta(2, 20), x(3, 20);
  for (Eigen::Index j = 0; j < 20; ++j) {
    theta.col(j) << rng.normal(), rng.normal();
    x.col(j) << rng.normal(), rng.normal(), rng.normal();
  }
  EXPECT_EQ(back.log_prob(theta, x), m.log_prob(theta, x));
}

}  // namespace
}  // namespace sbi
