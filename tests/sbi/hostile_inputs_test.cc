// Simulation and observation files that are valid HDF5 but wrong for their purpose: each
// must end in one clear core::Error, never in a silently wrong result or undefined behaviour.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/h5_file.h"
#include "sbi/posterior_under_test.h"
#include "sbi/predictive_check.h"
#include "sbi/simulation_data.h"
#include "simulators/registry.h"
#include "testing/raw_hdf5.h"
#include "testing/temp_dir.h"
#include "tests/io/error_message.h"

namespace sbi {
namespace {

using io::testing::error_message;

TEST(HostileInputs, ObservationFileWithZeroRowsIsAnError) {
  testing::TempDir dir;
  const std::string path = dir.file("obs.h5");
  testing::write_raw_dataset(path, "/x", {}, 0, 2, /*as_float32=*/false);
  EXPECT_EQ(error_message([&] { load_observations(path, 2); }),
            path + ": /x holds no observations (0 rows)");
  // The same for a set model, where (0, 2) could be read as an empty catalogue of stars.
  const core::DataShape layout = core::DataShape::set(3, 2, true);
  EXPECT_EQ(error_message([&] { load_observations(path, layout.flat_dim(), layout); }),
            path + ": /x holds no observations (0 rows)");
}

// Writes /theta (n, 1) and /x (n, dx) of zeros with int64 root attributes set_size and
// set_features.
std::string set_file(const testing::TempDir& dir, long n, long dx, std::int64_t set_size,
                     std::int64_t features) {
  const std::string path = dir.file("sets.h5");
  testing::write_raw_dataset(path, "/theta", std::vector<double>(n, 0.5), n, 1, false);
  testing::write_raw_dataset(path, "/x", std::vector<double>(n * dx, 1.0), n, dx, false);
  io::H5File f = io::H5File::open_read_write(path);
  f.set_attr("/", "set_size", set_size);
  f.set_attr("/", "set_features", features);
  return path;
}

// set_size 2^32 + 2 used to be cut to int 2, which with set_features 2 matched the 4 columns
// of /x: the file was read as sets of 2 rows although it says 4294967298.
TEST(HostileInputs, SetSizeBeyondIntIsAnErrorNotTruncated) {
  testing::TempDir dir;
  const std::string path = set_file(dir, 3, 4, (std::int64_t{1} << 32) + 2, 2);
  EXPECT_EQ(error_message([&] { load_simulations(path, NonFinitePolicy::kDrop); }),
            path + ": set_size 4294967298 and set_features 2 do not fit the 4 columns of /x");
}

// set_size x (set_features + 1) = 65536 x 65537 overflowed int in DataShape::flat_dim().
TEST(HostileInputs, SetShapeWhoseProductOverflowsIsAnError) {
  testing::TempDir dir;
  const std::string path = set_file(dir, 1, 65536, 65536, 65536);
  EXPECT_EQ(error_message([&] { load_simulations(path, NonFinitePolicy::kDrop); }),
            path + ": set_size 65536 and set_features 65536 do not fit the 65536 columns of /x");
}

// A layout that fits is still accepted: 2 rows of 2 features in 4 columns.
TEST(HostileInputs, SetShapeThatFitsIsRead) {
  testing::TempDir dir;
  const std::string path = set_file(dir, 3, 4, 2, 2);
  const SimulationData d = load_simulations(path, NonFinitePolicy::kDrop);
  EXPECT_EQ(d.x_shape.set_size, 2);
  EXPECT_EQ(d.x_shape.features, 2);
  EXPECT_FALSE(d.x_shape.masked);
  EXPECT_EQ(d.x.rows(), 4);
  EXPECT_EQ(d.x.cols(), 3);
}

// Masked sets without /num_stars (found by fuzz_simulations: a file whose /num_stars was
// renamed): the mask check built its message from counts[i] of an empty vector, a read
// through a null pointer, before deciding whether to throw.
TEST(HostileInputs, MaskedSetsWithoutCountsAreRead) {
  testing::TempDir dir;
  const std::string path = dir.file("masked.h5");
  // 2 simulations of sets of 2 rows of 1 feature + flag: x = [R0, m0, R1, m1].
  testing::write_raw_dataset(path, "/theta", {0.5, 1.5}, 2, 1, false);
  testing::write_raw_dataset(path, "/x", {3, 1, 7, 0, 4, 1, 5, 1}, 2, 4, false);
  {
    io::H5File f = io::H5File::open_read_write(path);
    f.set_attr("/", "set_size", std::int64_t{2});
    f.set_attr("/", "set_features", std::int64_t{1});
    f.set_attr("/", "set_masked", std::int64_t{1});
  }
  const SimulationData d = load_simulations(path, NonFinitePolicy::kError);
  EXPECT_TRUE(d.x_shape.masked);
  EXPECT_EQ(d.x_shape.flat_dim(), 4);
  ASSERT_EQ(d.x.cols(), 2);
  // Padding (mask 0) is zeroed: the 7 of simulation 0's absent second row is gone.
  EXPECT_EQ(d.x.col(0), Eigen::Vector4d(3, 1, 0, 0));
  EXPECT_EQ(d.x.col(1), Eigen::Vector4d(4, 1, 5, 1));
  // A flag that is neither 0 nor 1 is still an error naming the row.
  testing::TempDir dir2;
  const std::string bad = dir2.file("bad.h5");
  testing::write_raw_dataset(bad, "/theta", {0.5}, 1, 1, false);
  testing::write_raw_dataset(bad, "/x", {3, 2, 7, 0}, 1, 4, false);
  {
    io::H5File f = io::H5File::open_read_write(bad);
    f.set_attr("/", "set_size", std::int64_t{2});
    f.set_attr("/", "set_features", std::int64_t{1});
    f.set_attr("/", "set_masked", std::int64_t{1});
  }
  EXPECT_EQ(error_message([&] { load_simulations(bad, NonFinitePolicy::kDrop); }),
            bad + ": /x row 0 has a presence flag 2.000000 (set_masked: flags must be 0 or 1)");
}

// A posterior that must not be asked for draws.
class MustNotSample : public PosteriorUnderTest {
 public:
  int theta_dim() const override { return 2; }
  Eigen::MatrixXd sample(long n, const Eigen::VectorXd& x, core::Rng*,
                         Eigen::VectorXd*) const override {
    ADD_FAILURE() << "sampled at an x of " << x.size() << " entries";
    return Eigen::MatrixXd::Zero(2, n);
  }
  Eigen::VectorXd log_prob(const Eigen::MatrixXd& theta, const Eigen::VectorXd&) const override {
    return Eigen::VectorXd::Zero(theta.cols());
  }
};

// Found by the sanitizer build (Eigen's size assertion): predictive_check drew from the
// posterior at a wrong-sized x_obs before checking its size.
TEST(HostileInputs, PredictiveCheckRefusesAWrongSizedObservationBeforeSampling) {
  const simulators::Task task = simulators::make_task("gaussian_linear", {{"dim", "2"}});
  PredictiveCheckOptions options;
  options.num_samples = 10;
  EXPECT_EQ(error_message([&] {
              predictive_check(MustNotSample(), *task.simulator, Eigen::Vector3d(0, 0, 0), options);
            }),
            "predictive_check: x_obs has 3 entries, the simulator makes 2");
}

}  // namespace
}  // namespace sbi
