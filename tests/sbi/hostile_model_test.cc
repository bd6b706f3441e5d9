// Model files that are valid HDF5 but corrupt: out-of-range hyperparameters, a set layout
// that cannot fit the network, history columns of different lengths. load_model must refuse
// each with one clear core::Error (they used to be undefined casts, a silently wrong layout
// and a read past the end of a vector).
#include <gtest/gtest.h>

#include <hdf5.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "io/h5_file.h"
#include "sbi/model_file.h"
#include "testing/temp_dir.h"
#include "tests/io/error_message.h"

namespace sbi {
namespace {

using io::testing::error_message;
using io::testing::contains;

// A small untrained realnvp model (theta 2, x 2) with a two-epoch history.
std::string save_small_model(const testing::TempDir& dir) {
  ModelOptions options;
  options.density.kind = sbi::DensityKind::kRealNVP;  // the estimator this test was written for
  options.density.hidden = 8;
  options.density.transforms = 1;
  options.density.layers = 1;
  PosteriorModel model = PosteriorModel::create(options, 2, 2);
  model.theta_norm = {Eigen::VectorXd::Zero(2), Eigen::VectorXd::Ones(2), {}};
  model.x_norm = {Eigen::VectorXd::Zero(2), Eigen::VectorXd::Ones(2), {}};
  model.parameter_names = {"a", "b"};
  model.data_names = {"x0", "x1"};
  TrainSummary summary;
  summary.history = {{1, 2.5, 2.75, 0.5, {}, {}}, {2, 2.0, 2.25, 0.5, {}, {}}};
  summary.epochs = 2;
  summary.best_epoch = 2;
  const std::string path = dir.file("model.h5");
  save_model(path, model, summary, io::Provenance{});
  return path;
}

TEST(HostileModel, UnmodifiedModelLoads) {
  testing::TempDir dir;
  const std::string path = save_small_model(dir);
  TrainSummary summary;
  const PosteriorModel m = load_model(path, &summary);
  EXPECT_EQ(m.theta_dim(), 2);
  EXPECT_EQ(m.x_dim(), 2);
  ASSERT_EQ(summary.history.size(), 2u);
  EXPECT_EQ(summary.history[1].validation_loss, 2.25);
}

TEST(HostileModel, HyperparameterBeyondIntIsRefused) {
  testing::TempDir dir;
  const std::string path = save_small_model(dir);
  io::H5File::open_read_write(path).set_attr("/density/hyperparameters", "hidden", 1e300);
  const std::string m = error_message([&] { load_model(path); });
  EXPECT_EQ(m, path + ": realnvp: hyperparameter 'hidden' = 1e+300 is not an integer of int range");
}

TEST(HostileModel, NegativeOrNanSeedIsRefused) {
  testing::TempDir dir;
  const std::string path = save_small_model(dir);
  io::H5File::open_read_write(path).set_attr("/density/hyperparameters", "seed", -1.0);
  EXPECT_EQ(error_message([&] { load_model(path); }),
            path + ": realnvp: hyperparameter 'seed' = -1 is not an unsigned 64-bit integer");
  io::H5File::open_read_write(path).set_attr("/density/hyperparameters", "seed", std::nan(""));
  EXPECT_EQ(error_message([&] { load_model(path); }),
            path + ": realnvp: hyperparameter 'seed' = nan is not an unsigned 64-bit integer");
}

// set_size 2^32 + 2 was cut to int 2, which matched the network's x dimension 2.
TEST(HostileModel, SetSizeBeyondIntIsRefused) {
  testing::TempDir dir;
  const std::string path = save_small_model(dir);
  {
    io::H5File f = io::H5File::open_read_write(path);
    f.set_attr("/", "set_size", (std::int64_t{1} << 32) + 2);
    f.set_attr("/", "set_features", std::int64_t{1});
  }
  EXPECT_EQ(error_message([&] { load_model(path); }),
            path + ": root attribute set_size = 4294967298 must be between 1 and 2^30");
}

TEST(HostileModel, HistoryColumnsOfDifferentLengthsAreRefused) {
  testing::TempDir dir;
  const std::string path = save_small_model(dir);
  {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    ASSERT_GE(H5Ldelete(file, "/history/train_loss", H5P_DEFAULT), 0);
    H5Fclose(file);
    io::H5File::open_read_write(path).write_vector("/history/train_loss", Eigen::VectorXd::Ones(1));
  }
  EXPECT_NO_THROW(load_model(path));  // without the summary the history is not read
  TrainSummary summary;
  EXPECT_EQ(error_message([&] { load_model(path, &summary); }),
            path + ": /history/epoch, train_loss, validation_loss and seconds differ in length "
                   "(corrupt model file)");
}

}  // namespace
}  // namespace sbi
