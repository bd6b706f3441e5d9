// Ensembles (PosteriorModel::other_members): log q is the log of the members' mean density,
// its gradient matches finite differences, draws come from each member in equal shares and
// carry the mixture's log q, a model file keeps every member (log q bitwise after reloading),
// and members of other dimensions or targets are refused.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "io/h5_file.h"
#include "sbi/model_file.h"
#include "testing/temp_dir.h"

namespace sbi {
namespace {

// An untrained flow (about a standard normal in its standardised units) whose θ standardisation
// puts it around `centre` with spread 0.5: two of them make two well separated bumps.
PosteriorModel member_around(double centre, std::uint64_t seed, const char* estimator = "nsf") {
  ModelOptions o;
  o.density.kind = parse_density_kind(estimator);
  o.density.transforms = 2;
  o.density.hidden = 8;
  o.seed = seed;
  PosteriorModel m = PosteriorModel::create(o, 2, 3);
  m.theta_norm.mean = Eigen::Vector2d(centre, -centre);
  m.theta_norm.std = Eigen::Vector2d(0.5, 0.5);
  return m;
}

PosteriorModel two_bumps() {
  PosteriorModel e = member_around(-3, 1);
  e.add_member(member_around(3, 2, "realnvp"));
  return e;
}

TEST(Ensemble, LogProbIsTheLogOfTheMembersMeanDensity) {
  const PosteriorModel a = member_around(-3, 1), b = member_around(3, 2, "realnvp");
  const PosteriorModel e = two_bumps();
  core::Rng rng(5);
  Eigen::MatrixXd theta(2, 50);
  for (Eigen::Index j = 0; j < theta.size(); ++j) theta(j) = rng.uniform(-5, 5);
  const Eigen::Vector3d x(0.3, -0.2, 1.0);
  const Eigen::VectorXd la = a.log_prob(theta, x), lb = b.log_prob(theta, x), le = e.log_prob(theta, x);
  for (Eigen::Index j = 0; j < theta.cols(); ++j)
    EXPECT_NEAR(le[j], std::log(0.5 * std::exp(la[j]) + 0.5 * std::exp(lb[j])), 1e-10) << j;
  EXPECT_EQ(e.ensemble_size(), 2);
}

TEST(Ensemble, GradientMatchesFiniteDifferences) {
  PosteriorModel e = two_bumps();
  const Eigen::Vector3d x(0.3, -0.2, 1.0);
  // Points between the bumps, where both members' weights matter.
  Eigen::MatrixXd theta(2, 4);
  theta << -0.5, 0.0, 0.4, 1.0, 0.2, -0.1, 0.3, -0.8;
  Eigen::MatrixXd grad;
  const Eigen::VectorXd lp = e.log_prob_and_gradient(theta, x, &grad);
  EXPECT_LT((lp - e.log_prob(theta, x)).cwiseAbs().maxCoeff(), 1e-10);
  const double h = 1e-6;
  for (Eigen::Index j = 0; j < theta.cols(); ++j)
    for (Eigen::Index i = 0; i < 2; ++i) {
      Eigen::MatrixXd up = theta.col(j), down = theta.col(j);
      up(i) += h;
      down(i) -= h;
      const double fd = (e.log_prob(up, x)[0] - e.log_prob(down, x)[0]) / (2 * h);
      EXPECT_NEAR(grad(i, j), fd, 1e-5 * std::max(1.0, std::abs(fd))) << i << "," << j;
    }
}

TEST(Ensemble, DrawsComeFromEachMemberInEqualSharesWithTheMixturesLogProb) {
  const PosteriorModel e = two_bumps();
  const Eigen::Vector3d x(0.3, -0.2, 1.0);
  core::Rng rng(11);
  const long n = 20000;
  Eigen::VectorXd lp;
  const Eigen::MatrixXd theta = e.draw(n, x, &rng, &lp);
  long left = 0;
  for (long j = 0; j < n; ++j) left += theta(0, j) < 0 ? 1 : 0;
  // Binomial(n, 1/2): sd sqrt(n)/2 = 71; 4 sd.
  EXPECT_NEAR(static_cast<double>(left), n / 2.0, 4 * std::sqrt(static_cast<double>(n)) / 2);
  EXPECT_LT((lp - e.log_prob(theta, x)).cwiseAbs().maxCoeff(), 1e-9);
  // The members are interleaved: the first 100 draws hold both bumps.
  long early_left = 0;
  for (long j = 0; j < 100; ++j) early_left += theta(0, j) < 0 ? 1 : 0;
  EXPECT_GT(early_left, 25);
  EXPECT_LT(early_left, 75);
  // Reproducible from the stream.
  core::Rng again(11);
  EXPECT_EQ(e.draw(n, x, &again, nullptr), theta);
}

TEST(Ensemble, AModelFileKeepsEveryMemberAndReloadsBitwise) {
  PosteriorModel e = two_bumps();
  e.add_member(member_around(0, 3));
  testing::TempDir dir;
  TrainSummary s2, s3;
  s2.epochs = 7;
  s2.message = "converged";
  s3.epochs = 9;
  io::H5File out = io::H5File::create(dir.file("e.h5"));
  write_model(out, e, TrainSummary{}, io::Provenance{}, {s2, s3});
  out.close();
  const PosteriorModel back = load_model(dir.file("e.h5"));
  ASSERT_EQ(back.ensemble_size(), 3);
  EXPECT_EQ(back.other_members[0].density->kind(), "realnvp");
  core::Rng rng(2);
  Eigen::MatrixXd theta(2, 30);
  for (Eigen::Index j = 0; j < theta.size(); ++j) theta(j) = rng.uniform(-4, 4);
  const Eigen::Vector3d x(1, 2, 3);
  EXPECT_EQ(back.log_prob(theta, x), e.log_prob(theta, x));
  const io::H5File f = io::H5File::open_read(dir.file("e.h5"));
  EXPECT_EQ(f.get_int_attr("/", "format_version"), 5);
  EXPECT_EQ(f.get_int_attr("/", "ensemble_size"), 3);
  EXPECT_EQ(f.get_int_attr("/ensemble/member_2", "epochs"), 7);
  EXPECT_EQ(f.get_string_attr("/ensemble/member_2", "stop_reason"), "converged");
  EXPECT_EQ(f.get_int_attr("/ensemble/member_3", "epochs"), 9);
}

TEST(Ensemble, AFileMissingAMemberIsCorrupt) {
  PosteriorModel e = two_bumps();
  testing::TempDir dir;
  save_model(dir.file("e.h5"), e, TrainSummary{}, io::Provenance{});
  {
    io::H5File f = io::H5File::open_read_write(dir.file("e.h5"));
    f.set_attr("/", "ensemble_size", std::int64_t{3});
  }
  try {
    load_model(dir.file("e.h5"));
    FAIL() << "a missing member was not noticed";
  } catch (const core::Error& error) {
    EXPECT_NE(std::string(error.what()).find("/ensemble/member_3 missing"), std::string::npos) << error.what();
  }
}

TEST(Ensemble, MembersOfOtherDimensionsOrTargetsAreRefused) {
  PosteriorModel e = member_around(0, 1);
  ModelOptions o;
  o.density.transforms = 2;
  o.density.hidden = 8;
  EXPECT_THROW(e.add_member(PosteriorModel::create(o, 3, 3)), core::Error);
  EXPECT_THROW(e.add_member(PosteriorModel::create(o, 2, 4)), core::Error);
  PosteriorModel likelihood = PosteriorModel::create(o, 2, 3);
  likelihood.target = ModelTarget::kX;
  EXPECT_THROW(e.add_member(std::move(likelihood)), core::Error);
  PosteriorModel nested = two_bumps();
  EXPECT_THROW(e.add_member(std::move(nested)), core::Error);
  EXPECT_EQ(e.ensemble_size(), 1);
}

}  // namespace
}  // namespace sbi
