// The `sbi` program end to end, as a user runs it: the command-line contract, users' own
// simulation files, and bad input giving one clear error line, a non-zero exit code and
// no output file.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/rng.h"
#include "diffusion/score_model.h"
#include "flows/cnf.h"
#include "io/h5_file.h"
#include "sbi/model_file.h"
#include "testing/raw_hdf5.h"
#include "testing/temp_dir.h"
#include "tests/apps/cli_runner.h"

namespace sbi {
namespace {

// A user's own simulations: theta ~ U(-2, 2)^2, x = theta + N(0, 0.1^2), N rows.
void write_user_simulations(const std::string& path, int n, bool float32, int nan_rows = 0) {
  core::Rng rng(77);
  std::vector<double> theta, x;
  for (int i = 0; i < n; ++i) {
    for (int d = 0; d < 2; ++d) {
      const double t = rng.uniform(-2, 2);
      theta.push_back(t);
      x.push_back(i < nan_rows && d == 0 ? NAN : t + 0.1 * rng.normal());
    }
  }
  testing::write_raw_dataset(path, "/theta", theta, n, 2, float32);
  testing::write_raw_dataset(path, "/x", x, n, 2, float32);
}

TEST(Cli, SimulateTrainSampleInfo) {
  testing::TempDir dir;
  const std::string sims = dir.file("sims.h5"), obs = dir.file("obs.h5"),
                    model = dir.file("model.h5"), post = dir.file("post.h5");
  CliRun r = sbi(dir, "simulate --task two_moons --num 2000 --seed 1 --out " + sims);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(sbi(dir, "simulate --task two_moons --num 1 --seed 9 --out " + obs).exit_code, 0);
  r = sbi(dir, "train --data " + sims + " --out " + model + " --max-epochs 3 --patience 0 --seed 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("epoch 3"), std::string::npos) << r.err;  // per-epoch losses logged
  EXPECT_NE(r.err.find("prior (from"), std::string::npos) << r.err;
  r = sbi(dir, "sample --model " + model + " --observation " + obs + " --num 500 --seed 3 --out " + post);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("theta_0"), std::string::npos);  // summary table with the truth
  EXPECT_NE(r.out.find("true"), std::string::npos);

  io::H5File f = io::H5File::open_read(post);
  EXPECT_EQ(f.shape("/posterior/theta_0"), (std::vector<size_t>{1, 500, 1}));
  EXPECT_EQ(f.shape("/sample_stats/lp"), (std::vector<size_t>{1, 500, 1}));
  EXPECT_EQ(f.get_int_attr("/", "seed"), 3);
  // Two moons' prior is U(-1, 1)^2: every draw lies inside.
  std::vector<size_t> shape;
  for (const char* p : {"/posterior/theta_0", "/posterior/theta_1"})
    for (double v : f.read_array(p, &shape)) EXPECT_LE(std::abs(v), 1.0);
  r = sbi(dir, "info " + post);
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("theta_0  float64 (1, 500, 1)  dims (chain, draw, observation)"), std::string::npos)
      << r.out;
}

TEST(Cli, SimulatingAtGivenThetaIsReproducibleAcrossThreadCounts) {
  testing::TempDir dir;
  testing::write_raw_dataset(dir.file("theta.h5"), "/theta", {0.1, 0.2, -0.5, 0.3, 0.9, -0.9}, 3, 2, false);
  for (int threads : {1, 2})
    ASSERT_EQ(sbi(dir, "simulate --task two_moons --theta " + dir.file("theta.h5") + " --seed 4 --threads " +
                           std::to_string(threads) + " --out " + dir.file("x" + std::to_string(threads) + ".h5"))
                  .exit_code,
              0);
  io::H5File a = io::H5File::open_read(dir.file("x1.h5")), b = io::H5File::open_read(dir.file("x2.h5"));
  EXPECT_EQ(a.read_matrix("/x"), b.read_matrix("/x"));
  EXPECT_EQ(a.read_matrix("/theta"), b.read_matrix("/theta"));
  EXPECT_DOUBLE_EQ(a.read_matrix("/theta")(1, 0), 0.2);
}

TEST(Cli, UsersOwnSimulationFileTrainsWithAndWithoutPrior) {
  testing::TempDir dir;
  const std::string sims = dir.file("mine.h5"), obs = dir.file("obs.h5");
  write_user_simulations(sims, 3000, /*float32=*/true);
  testing::write_raw_dataset(obs, "/x", {1.95, 0.0}, 2, 0, false);  // one observation, shape (2,)

  // Without --prior: trains, says samples are unrestricted, and some draws exceed 2
  // (the posterior of theta_0 at x = 1.95 is N(1.95, 0.1^2) cut by nothing).
  CliRun r = sbi(dir, "train --data " + sims + " --out " + dir.file("m1.h5") + " --max-epochs 30 --seed 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("no prior given"), std::string::npos) << r.err;
  r = sbi(dir, "sample --model " + dir.file("m1.h5") + " --observation " + obs + " --num 2000 --out " + dir.file("p1.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<size_t> shape;
  const auto t0 = io::H5File::open_read(dir.file("p1.h5")).read_array("/posterior/theta_0", &shape);
  EXPECT_GT(*std::max_element(t0.begin(), t0.end()), 2.0);

  // With --prior: all draws inside [-2, 2], the acceptance rate below 1 is reported.
  r = sbi(dir, "train --data " + sims + " --out " + dir.file("m2.h5") +
                   " --max-epochs 30 --seed 1 --prior 'uniform(-2,2)*2'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sbi(dir, "sample --model " + dir.file("m2.h5") + " --observation " + obs + " --num 2000 --out " + dir.file("p2.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  io::H5File p2 = io::H5File::open_read(dir.file("p2.h5"));
  const auto t2 = p2.read_array("/posterior/theta_0", &shape);
  EXPECT_LE(*std::max_element(t2.begin(), t2.end()), 2.0);
  // The exact posterior has no mass beyond 2 (θ ~ U(-2, 2)); what the sampler rejects is the
  // flow's leak past the edge. The prior does not change training (m1 and m2 are the same
  // flow), so the acceptance rate is the share of m1's unrestricted draws inside the prior:
  // 2000 draws, binomial sd <= 0.011 for the difference of the two estimates.
  const double acceptance = p2.get_double_attr("/", "acceptance_rate");
  const auto t1 = io::H5File::open_read(dir.file("p1.h5")).read_array("/posterior/theta_1", &shape);
  double inside = 0;
  for (size_t i = 0; i < t0.size(); ++i) inside += std::abs(t0[i]) <= 2.0 && std::abs(t1[i]) <= 2.0;
  EXPECT_LT(acceptance, 1.0);
  EXPECT_NEAR(acceptance, inside / static_cast<double>(t0.size()), 0.04);
  EXPECT_EQ(p2.get_string_attr("/", "prior"), "uniform(-2,2)*2");
}

// `sbi train --balance L` (balanced NPE, sbi/balance_term.h): trains and reports the held-out
// balance; refused, with one clear line and no output, without a prior, for a density without
// an exact log q, for a likelihood, and for a negative weight.
TEST(Cli, BalancedNpeTrainsWithAPriorAndRefusesWhatItCannotDo) {
  testing::TempDir dir;
  const std::string sims = dir.file("mine.h5"), out = dir.file("m.h5");
  write_user_simulations(sims, 600, /*float32=*/false);
  CliRun r = sbi(dir, "train --data " + sims + " --out " + out + " --max-epochs 3 --balance 100 --prior 'uniform(-2,2)*2'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("balanced NPE: the loss adds 100"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nll "), std::string::npos) << r.err;  // the epoch lines show both terms
  EXPECT_NE(r.err.find("E_joint d + E_marginal d = "), std::string::npos) << r.err;
  const std::string refused = dir.file("refused.h5");
  expect_clean_failure(dir, sbi(dir, "train --data " + sims + " --out " + refused + " --balance 100"),
                       "give the prior", refused);
  expect_clean_failure(dir, sbi(dir, "train --data " + sims + " --out " + refused +
                                         " --balance 100 --estimator cnf --prior 'uniform(-2,2)*2'"),
                       "--balance needs the exact log density", refused);
  expect_clean_failure(dir, sbi(dir, "train --data " + sims + " --out " + refused + " --balance -1"),
                       "--balance expects a finite weight >= 0", refused);
  expect_clean_failure(dir, sbi(dir, "train --data " + sims + " --out " + refused + " --balance 10 --target x"),
                       "--target x: --balance, --augment-symmetries and --unbounded-theta are for posteriors",
                       refused);
}

// `sbi train --unbounded-theta` (sbi/posterior_model.h): the model file records it, and every
// draw of sbi sample lies inside the prior without rejection; refused without a prior, when a
// simulation lies outside the prior, and for a likelihood.
TEST(Cli, UnboundedThetaKeepsEveryDrawInsideThePrior) {
  testing::TempDir dir;
  const std::string sims = dir.file("mine.h5"), out = dir.file("m.h5");
  write_user_simulations(sims, 600, /*float32=*/false);
  CliRun r = sbi(dir, "train --data " + sims + " --out " + out +
                          " --max-epochs 3 --unbounded-theta --prior 'uniform(-2,2)*2'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("unbounded theta: the flow models logit"), std::string::npos) << r.err;
  EXPECT_EQ(io::H5File::open_read(out).get_string_attr("/", "theta_coordinates"), "unbounded");
  // An observation at the corner of the prior: plain NPE puts much of its mass outside.
  testing::write_raw_dataset(dir.file("obs.h5"), "/x", {1.95, -1.95}, 1, 2, false);
  r = sbi(dir, "sample --model " + out + " --observation " + dir.file("obs.h5") + " --out " + dir.file("p.h5") +
                   " --num 2000 --no-prior-restriction");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const io::H5File p = io::H5File::open_read(dir.file("p.h5"));
  for (const char* name : {"/posterior/theta_0", "/posterior/theta_1"}) {
    std::vector<size_t> shape;
    const std::vector<double> draws = p.read_array(name, &shape);
    ASSERT_EQ(draws.size(), 2000u);
    EXPECT_GE(*std::min_element(draws.begin(), draws.end()), -2.0) << name;
    EXPECT_LE(*std::max_element(draws.begin(), draws.end()), 2.0) << name;
  }
  const std::string refused = dir.file("refused.h5");
  expect_clean_failure(dir, sbi(dir, "train --data " + sims + " --out " + refused + " --unbounded-theta"),
                       "--unbounded-theta maps theta through the prior's support: give the prior", refused);
  expect_clean_failure(dir, sbi(dir, "train --data " + sims + " --out " + refused +
                                         " --unbounded-theta --prior 'uniform(-1,1)*2'"),
                       "lie outside the prior's support, which it maps onto R^D", refused);
  expect_clean_failure(dir, sbi(dir, "train --data " + sims + " --out " + refused + " --unbounded-theta --target x"),
                       "--unbounded-theta are for posteriors", refused);
}

TEST(Cli, NonFiniteRowsAreDroppedAndCountedOrRejected) {
  testing::TempDir dir;
  write_user_simulations(dir.file("nan.h5"), 500, false, /*nan_rows=*/7);
  CliRun r = sbi(dir, "train --data " + dir.file("nan.h5") + " --out " + dir.file("m.h5") + " --max-epochs 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("dropped 7 rows"), std::string::npos) << r.err;
  r = sbi(dir, "train --data " + dir.file("nan.h5") + " --out " + dir.file("m2.h5") + " --nonfinite error");
  expect_clean_failure(dir, r, "/x row 0 has NaN or Inf", dir.file("m2.h5"));
}

TEST(Cli, BadInputGivesOneClearErrorAndNoOutput) {
  testing::TempDir dir;
  const std::string out = dir.file("out.h5");
  // A data file without /theta.
  testing::write_raw_dataset(dir.file("no_theta.h5"), "/x", {1, 2, 3, 4}, 2, 2, false);
  expect_clean_failure(dir, sbi(dir, "train --data " + dir.file("no_theta.h5") + " --out " + out),
                       "has no /theta dataset", out);
  // /theta and /x of different lengths.
  testing::write_raw_dataset(dir.file("ragged.h5"), "/theta", {1, 2, 3, 4, 5, 6}, 3, 2, false);
  testing::write_raw_dataset(dir.file("ragged.h5"), "/x", {1, 2, 3, 4}, 2, 2, false);
  expect_clean_failure(dir, sbi(dir, "train --data " + dir.file("ragged.h5") + " --out " + out),
                       "/theta has 3 rows but /x has 2", out);
  // A model file that is not a model.
  expect_clean_failure(dir, sbi(dir, "sample --model " + dir.file("ragged.h5") + " --observation " +
                                         dir.file("ragged.h5") + " --out " + out),
                       "is not an sbi model file", out);
  // A file that is not HDF5 at all.
  std::ofstream(dir.file("text.h5")) << "not hdf5";
  expect_clean_failure(dir, sbi(dir, "info " + dir.file("text.h5")), "text.h5", out);

  // A real model, then an observation of the wrong dimension and an unwritable output.
  write_user_simulations(dir.file("sims.h5"), 300, false);
  ASSERT_EQ(sbi(dir, "train --data " + dir.file("sims.h5") + " --out " + dir.file("model.h5") +
                         " --max-epochs 1").exit_code, 0);
  testing::write_raw_dataset(dir.file("obs3.h5"), "/x", {1, 2, 3}, 3, 0, false);
  expect_clean_failure(dir, sbi(dir, "sample --model " + dir.file("model.h5") + " --observation " +
                                         dir.file("obs3.h5") + " --out " + out),
                       "/x has dimension 3", out);
  testing::write_raw_dataset(dir.file("obs.h5"), "/x", {1, 2}, 2, 0, false);
  expect_clean_failure(dir, sbi(dir, "sample --model " + dir.file("model.h5") + " --observation " +
                                         dir.file("obs.h5") + " --out /nonexistent/dir/p.h5"),
                       "cannot write /nonexistent/dir/p.h5", "/nonexistent/dir/p.h5");
  expect_clean_failure(dir, sbi(dir, "train --data " + dir.file("sims.h5") + " --out /proc/p.h5"),
                       "cannot write /proc/p.h5", "/proc/p.h5");
  // Misspelt flags and unknown tasks are errors, not silently ignored.
  expect_clean_failure(dir, sbi(dir, "simulate --task two_moons --nmu 5 --out " + out), "unknown flag --nmu", out);
  expect_clean_failure(dir, sbi(dir, "simulate --task three_moons --num 5 --out " + out), "three_moons", out);
}

// Every estimator setting is a flag of `sbi train` and reaches the model file with its type;
// without --estimator the model is nsf (the most accurate in the README's table); a wrong
// value is one error line naming the accepted ones.
TEST(Cli, EstimatorSettingsReachTheModelFromTheCommandLine) {
  testing::TempDir dir;
  write_user_simulations(dir.file("sims.h5"), 300, false);
  const std::string train = "train --data " + dir.file("sims.h5") + " --max-epochs 1 --out ";
  ASSERT_EQ(sbi(dir, train + dir.file("default.h5")).exit_code, 0);
  EXPECT_EQ(load_model(dir.file("default.h5")).density->kind(), "nsf");

  EXPECT_EQ(load_model(dir.file("default.h5")).density->training_precision(), nn::Precision::kFloat32);
  ASSERT_EQ(sbi(dir, train + dir.file("nsf.h5") + " --bins 5 --bound 4 --transforms 2 "
                     "--activation tanh --train-precision float64").exit_code, 0);
  const flows::Hyperparameters nsf = load_model(dir.file("nsf.h5")).density->hyperparameters();
  EXPECT_EQ(load_model(dir.file("nsf.h5")).density->training_precision(), nn::Precision::kFloat64);
  EXPECT_EQ(nsf.get_int("bins"), 5);
  EXPECT_EQ(nsf.get_double("bound"), 4.0);
  EXPECT_EQ(nsf.get_int("num_transforms"), 2);
  EXPECT_EQ(nsf.get_enum("activation", nn::parse_activation, nn::activation_names()),
            nn::Activation::kTanh);

  const CliRun cnf = sbi(dir, train + dir.file("cnf.h5") + " --estimator cnf --path vp "
                              "--ode-solver dopri5 --ode-tol 1e-5 --ode-steps 20 --trace hutchinson "
                              "--time-prior-exponent 1.5 --frequencies 4 --hidden 16");
  ASSERT_EQ(cnf.exit_code, 0) << cnf.err;
  EXPECT_NE(cnf.err.find("patience 50"), std::string::npos) << cnf.err;  // the CNF's defaults
  const flows::CnfOptions o =
      flows::CnfOptions::from_hyperparameters(load_model(dir.file("cnf.h5")).density->hyperparameters());
  EXPECT_EQ(o.schedule.kind, flows::ScheduleKind::kVariancePreserving);
  EXPECT_EQ(o.ode.solver, flows::OdeSolver::kDopri5);
  EXPECT_EQ(o.ode.abs_tol, 1e-5);
  EXPECT_EQ(o.ode.rel_tol, 1e-5);
  EXPECT_EQ(o.ode.steps, 20);
  EXPECT_EQ(o.trace, flows::TraceEstimator::kHutchinson);
  EXPECT_EQ(o.time_prior_exponent, 1.5);
  EXPECT_EQ(o.num_frequencies, 4);
  EXPECT_EQ(o.hidden, 16);
  EXPECT_EQ(o.activation, nn::Activation::kSiLU);

  const CliRun score = sbi(dir, train + dir.file("score.h5") + " --estimator score --path ve "
                                "--sigma-max 8 --weighting likelihood --sampler pc --sde-steps 20 "
                                "--corrector-steps 2 --snr 0.05 --guidance-dropout 0.1 "
                                "--guidance-scale 0.5 --frequencies 4 --fourier-scale 2 --hidden 16");
  ASSERT_EQ(score.exit_code, 0) << score.err;
  EXPECT_NE(score.err.find("patience 50"), std::string::npos) << score.err;
  const diffusion::ScoreModelOptions so = diffusion::ScoreModelOptions::from_hyperparameters(
      load_model(dir.file("score.h5")).density->hyperparameters());
  EXPECT_EQ(so.schedule.kind, flows::ScheduleKind::kVarianceExploding);
  EXPECT_EQ(so.schedule.ve_sigma_max, 8.0);
  EXPECT_EQ(so.weighting, diffusion::ScoreWeighting::kLikelihood);
  EXPECT_EQ(so.sampler, diffusion::ScoreSampler::kPredictorCorrector);
  EXPECT_EQ(so.sde.steps, 20);
  EXPECT_EQ(so.sde.corrector_steps, 2);
  EXPECT_EQ(so.sde.snr, 0.05);
  EXPECT_EQ(so.guidance_dropout, 0.1);
  EXPECT_EQ(so.guidance_scale, 0.5);
  EXPECT_EQ(so.num_frequencies, 4);
  EXPECT_EQ(so.fourier_scale, 2.0);
  EXPECT_EQ(so.hidden, 16);
  // The model samples an observation end to end (predictor-corrector, then log q by the ODE).
  testing::write_raw_dataset(dir.file("obs_score.h5"), "/x", {0.5, -0.2}, 2, 0, false);
  const CliRun drawn = sbi(dir, "sample --model " + dir.file("score.h5") + " --observation " +
                                    dir.file("obs_score.h5") + " --num 300 --out " + dir.file("post_score.h5"));
  ASSERT_EQ(drawn.exit_code, 0) << drawn.err;
  std::vector<size_t> shape;
  const auto theta0 = io::H5File::open_read(dir.file("post_score.h5")).read_array("/posterior/theta_0", &shape);
  EXPECT_EQ(theta0.size(), 300u);
  for (double v : theta0) EXPECT_TRUE(std::isfinite(v));

  const std::string out = dir.file("bad.h5");
  expect_clean_failure(dir, sbi(dir, train + out + " --estimator score --path ot"), "vp, subvp or ve", out);
  expect_clean_failure(dir, sbi(dir, train + out + " --estimator score --guidance-scale 1"),
                       "guidance_dropout", out);
  expect_clean_failure(dir, sbi(dir, train + out + " --estimator score --sampler ddim"), "--sampler", out);
  expect_clean_failure(dir, sbi(dir, train + out + " --estimator maf"),
                       "--estimator: unknown estimator 'maf' (expected realnvp, nsf, cnf or score)", out);
  expect_clean_failure(dir, sbi(dir, train + out + " --estimator cnf --activation relu"),
                       "activation", out);
  expect_clean_failure(dir, sbi(dir, train + out + " --activation swish"), "--activation", out);
  expect_clean_failure(dir, sbi(dir, train + out + " --trace maybe"), "--trace", out);
  expect_clean_failure(dir, sbi(dir, train + out + " --embedding cnnn"),
                       "expected none, mlp, deepsets or cnn", out);
  expect_clean_failure(dir, sbi(dir, train + out + " --bins 1"), "bins", out);
}

TEST(Cli, ModelFromANewerFormatVersionIsRefused) {
  testing::TempDir dir;
  write_user_simulations(dir.file("sims.h5"), 300, false);
  ASSERT_EQ(sbi(dir, "train --data " + dir.file("sims.h5") + " --out " + dir.file("model.h5") +
                         " --max-epochs 1").exit_code, 0);
  {
    io::H5File f = io::H5File::open_read_write(dir.file("model.h5"));
    f.set_attr("/", "format_version", std::int64_t{99});
  }
  testing::write_raw_dataset(dir.file("obs.h5"), "/x", {1, 2}, 2, 0, false);
  expect_clean_failure(dir, sbi(dir, "sample --model " + dir.file("model.h5") + " --observation " +
                                         dir.file("obs.h5") + " --out " + dir.file("p.h5")),
                       "model format version 99, newer than this program reads", dir.file("p.h5"));
}

}  // namespace
}  // namespace sbi
