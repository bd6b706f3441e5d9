#include "simulators/batch.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "simulators/registry.h"
#include "tests/simulators/error_message.h"

namespace sbi::simulators {
namespace {

using testing::error_message;

SimulateOptions with(std::uint64_t seed, int threads) {
  SimulateOptions options;
  options.seed = seed;
  options.threads = threads;
  return options;
}

TEST(Batch, BitwiseIdenticalForAnyThreadCountAndEqualToPerSampleStreams) {
  // 10000 samples span three progress blocks of 4096.
  const long n = 10000;
  for (const std::string& name : task_names()) {
    // cosmo_field and lensing cost a millisecond or so per simulation (a map, an image): their
    // thread-count reproducibility is tested with fewer samples in cosmo_field_test.cc and
    // lensing_simulator_test.cc.
    if (name == "cosmo_field" || name == "lensing") continue;
    const Task task = make_task(name);
    const SimulationBatch one = simulate_from_prior(task, n, with(77, 1));
    const SimulationBatch two = simulate_from_prior(task, n, with(77, 2));
    ASSERT_EQ(one.theta.rows(), task.simulator->theta_dim());
    ASSERT_EQ(one.x.rows(), task.simulator->x_dim());
    ASSERT_EQ(one.x.cols(), n);
    EXPECT_TRUE(one.theta == two.theta) << name;
    EXPECT_TRUE(one.x == two.x) << name;
    // The definition: sample i = prior draw then simulation on Rng(seed, i).
    for (long i : {0L, 1L, 4095L, 4096L, 9999L}) {
      core::Rng rng(77, static_cast<std::uint64_t>(i));
      Eigen::VectorXd theta(task.prior.dim()), x(task.simulator->x_dim());
      task.prior.sample(&rng, theta);
      task.simulator->simulate(theta, &rng, x);
      EXPECT_EQ(theta, one.theta.col(i)) << name << " sample " << i;
      EXPECT_EQ(x, one.x.col(i)) << name << " sample " << i;
    }
    EXPECT_FALSE(simulate_from_prior(task, 10, with(78, 2)).x == one.x.leftCols(10)) << name;

    const SimulationBatch at1 = simulate_at(*task.simulator, one.theta, with(5, 1));
    const SimulationBatch at2 = simulate_at(*task.simulator, one.theta, with(5, 2));
    EXPECT_TRUE(at1.x == at2.x) << name;
    EXPECT_EQ(at1.theta, one.theta);
    core::Rng rng(5, 4096);
    Eigen::VectorXd x(task.simulator->x_dim());
    task.simulator->simulate(one.theta.col(4096), &rng, x);
    EXPECT_EQ(x, at1.x.col(4096)) << name;
  }
}

TEST(Batch, EmptyAndSingleBatches) {
  const Task task = make_task("slcp");
  const SimulationBatch empty = simulate_from_prior(task, 0, {});
  EXPECT_EQ(empty.theta.rows(), 5);
  EXPECT_EQ(empty.x.rows(), 8);
  EXPECT_EQ(empty.x.cols(), 0);
  const SimulationBatch single = simulate_from_prior(task, 1, {});
  EXPECT_EQ(single.x.cols(), 1);
  EXPECT_TRUE(task.prior.in_support(single.theta.col(0)));
  EXPECT_GE(single.seconds, 0.0);
}

TEST(Batch, ProgressAfterEachBlockFromCallingThread) {
  std::vector<std::int64_t> done;
  SimulateOptions options = with(1, 2);
  options.progress = [&](const core::Progress& p) {
    EXPECT_EQ(p.stage, "simulate");
    EXPECT_EQ(p.total, 9000);
    done.push_back(p.done);  // not synchronised: only safe if called from one thread
  };
  simulate_from_prior(make_task("two_moons"), 9000, options);
  EXPECT_EQ(done, (std::vector<std::int64_t>{4096, 8192, 9000}));
}

TEST(Batch, RejectsBadArguments) {
  const Task task = make_task("two_moons");
  EXPECT_NE(error_message([&] {
              simulate_from_prior(task, 10, with(0, -1));
            }).find("simulate_from_prior: SimulateOptions::threads = -1, must be >= 0"),
            std::string::npos);
  std::string error;
  EXPECT_FALSE(with(0, -2).is_valid(&error));
  EXPECT_NE(error.find("threads = -2"), std::string::npos);
  EXPECT_TRUE(with(0, 3).is_valid(&error));
  EXPECT_NE(error_message([&] { simulate_from_prior(task, -1, {}); }).find("n = -1, must be >= 0"),
            std::string::npos);
  EXPECT_NE(error_message([&] {
              simulate_at(*task.simulator, Eigen::MatrixXd::Zero(3, 4), {});
            }).find("simulate_at: theta has 3 rows, simulator two_moons expects 2"),
            std::string::npos);
  Eigen::MatrixXd theta = Eigen::MatrixXd::Zero(2, 4);
  theta(1, 2) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(error_message([&] { simulate_at(*task.simulator, theta, {}); }).find("non-finite"),
            std::string::npos);
}

// Returns NaN for θ0 >= 5 and throws for θ0 >= 7 (and θ0 < 100), to test error reporting.
class Faulty final : public Simulator {
 public:
  std::string name() const override { return "faulty"; }
  int theta_dim() const override { return 1; }
  int x_dim() const override { return 1; }
  void simulate(const Eigen::Ref<const Eigen::VectorXd>& theta, core::Rng*,
                Eigen::Ref<Eigen::VectorXd> x) const override {
    if (theta[0] >= 7) throw core::Error("faulty at " + std::to_string(int(theta[0])));
    x[0] = theta[0] >= 5 ? std::nan("") : theta[0];
  }
};

TEST(Batch, ReportsTheLowestFailingSample) {
  Eigen::MatrixXd theta(1, 100);
  for (int i = 0; i < 100; ++i) theta(0, i) = i;
  EXPECT_NE(error_message([&] {
              simulate_at(Faulty(), theta.leftCols(7), with(0, 2));
            }).find("simulate_at: simulator faulty returned a non-finite x for sample 5"),
            std::string::npos);
  theta.leftCols(7).setZero();
  EXPECT_EQ(error_message([&] { simulate_at(Faulty(), theta, with(0, 2)); }), "faulty at 7");
}

TEST(Batch, SimulatorChecksSizes) {
  const Task task = make_task("gaussian_linear");
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(10), x(9);
  core::Rng rng(0);
  EXPECT_NE(error_message([&] {
              task.simulator->simulate(theta, &rng, x);
            }).find("GaussianLinear::simulate: x has 9 entries, expected 10"),
            std::string::npos);
}

}  // namespace
}  // namespace sbi::simulators
