// C2ST against closed-form Bayes accuracies. For two equally likely Gaussians with common
// identity covariance and means a distance delta apart, the best possible classifier
// (the likelihood-ratio threshold) is right with probability Phi(delta / 2). Held-out
// accuracy over the 2N predictions of the k folds scatters around the classifier's true
// accuracy a with binomial standard error sqrt(a (1 - a) / 2N); each tolerance below is
// about four such errors plus a stated allowance for the learned (not Bayes) boundary.
#include "sbi/c2st.h"

#include <omp.h>

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/rng.h"

namespace sbi {
namespace {

// D x n draws of N(mean, I).
Eigen::MatrixXd gaussian(const Eigen::VectorXd& mean, long n, std::uint64_t seed) {
  core::Rng rng(seed);
  Eigen::MatrixXd x(mean.size(), n);
  for (long j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < mean.size(); ++i) x(i, j) = mean[i] + rng.normal();
  return x;
}

double phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

TEST(C2st, SameGaussianIsIndistinguishable) {
  // 2N = 4000 predictions of a classifier with true accuracy 0.5 (nothing to learn):
  // SE = sqrt(0.25 / 4000) = 0.0079; 4 SE = 0.032.
  const long n = 2000;
  const C2stResult r =
      c2st(gaussian(Eigen::VectorXd::Zero(2), n, 11), gaussian(Eigen::VectorXd::Zero(2), n, 12));
  ASSERT_EQ(r.fold_accuracies.size(), 5u);
  EXPECT_NEAR(r.accuracy, 0.5, 0.032);
  EXPECT_GT(r.seconds, 0.0);
}

TEST(C2st, ShiftedGaussian2dReachesBayesAccuracy) {
  // Means (0, 0) and (3, 0): delta = 3, Bayes accuracy Phi(1.5) = 0.9332.
  // 2N = 4000: SE = sqrt(0.933 * 0.067 / 4000) = 0.0040; 4 SE = 0.016, plus 0.004 for
  // the excess error of a boundary fitted to 3200 points (O(D / n), ~1e-3).
  const long n = 2000;
  Eigen::VectorXd shift = Eigen::VectorXd::Zero(2);
  shift[0] = 3.0;
  const C2stResult r = c2st(gaussian(Eigen::VectorXd::Zero(2), n, 21), gaussian(shift, n, 22));
  EXPECT_NEAR(r.accuracy, phi(1.5), 0.020);
  for (double a : r.fold_accuracies) {
    // One fold: 800 predictions, SE = 0.0089, 4 SE + 0.004 = 0.04.
    EXPECT_NEAR(a, phi(1.5), 0.04);
  }
}

TEST(C2st, SmallShift1dNearBayesAccuracy) {
  // N(0, 1) vs N(0.5, 1): Bayes accuracy Phi(0.25) = 0.5987. 2N = 10000:
  // SE = sqrt(0.599 * 0.401 / 10000) = 0.0049; 4 SE = 0.020, plus 0.005 for the fitted
  // threshold (accuracy is flat at the optimum, so a threshold off by 0.1 costs ~0.002).
  const long n = 5000;
  const C2stResult r = c2st(gaussian(Eigen::VectorXd::Zero(1), n, 31),
                            gaussian(Eigen::VectorXd::Constant(1, 0.5), n, 32));
  EXPECT_NEAR(r.accuracy, phi(0.25), 0.025);
}

TEST(C2st, FarApartIsPerfectlySeparable) {
  // delta = 10: Bayes error Phi(-5) = 3e-7, so all 800 predictions should be right.
  const long n = 400;
  const C2stResult r = c2st(gaussian(Eigen::VectorXd::Zero(3), n, 41),
                            gaussian(Eigen::VectorXd::Constant(3, 10.0 / std::sqrt(3.0)), n, 42));
  EXPECT_EQ(r.accuracy, 1.0);
}

TEST(C2st, ResultDoesNotDependOnThreadCount) {
  const Eigen::MatrixXd p = gaussian(Eigen::VectorXd::Zero(2), 500, 51);
  const Eigen::MatrixXd q = gaussian(Eigen::VectorXd::Constant(2, 0.7), 500, 52);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const C2stResult one = c2st(p, q);
  omp_set_num_threads(2);
  const C2stResult two = c2st(p, q);
  omp_set_num_threads(saved);
  EXPECT_EQ(one.fold_accuracies, two.fold_accuracies);  // bitwise, not approximately
  EXPECT_EQ(one.accuracy, two.accuracy);
  // A different seed changes folds and initial weights (guards against an ignored seed).
  C2stOptions other;
  other.seed = 2;
  EXPECT_NE(c2st(p, q, other).fold_accuracies, one.fold_accuracies);
}

TEST(C2st, RejectsBadInput) {
  const Eigen::MatrixXd p = gaussian(Eigen::VectorXd::Zero(2), 20, 61);
  EXPECT_THROW(c2st(p, gaussian(Eigen::VectorXd::Zero(3), 20, 62)), core::Error);
  Eigen::MatrixXd nan = p;
  nan(1, 7) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(c2st(p, nan), core::Error);
  EXPECT_THROW(c2st(nan, p), core::Error);
  // 4 samples cannot fill 5 folds with both labels.
  EXPECT_THROW(c2st(p, p.leftCols(4)), core::Error);
  EXPECT_THROW(c2st(Eigen::MatrixXd(0, 10), Eigen::MatrixXd(0, 10)), core::Error);
  C2stOptions bad;
  bad.folds = 1;
  EXPECT_THROW(c2st(p, p, bad), core::Error);
}

TEST(C2st, OptionsNameTheBrokenField) {
  C2stOptions o;
  std::string error;
  EXPECT_TRUE(o.is_valid(&error));
  o.learning_rate = 0.0;
  EXPECT_FALSE(o.is_valid(&error));
  EXPECT_NE(error.find("learning_rate"), std::string::npos) << error;
}

}  // namespace
}  // namespace sbi
