// sbi infer: rounds of propose, simulate, train for one observation. Each round leaves its
// simulations (a simulation file saying how its θ were drawn) and its model; a run continued
// with --resume after round k (also when killed between its simulations and its model)
// ends with the final posterior of the uninterrupted run, bit for bit; bad settings, another
// run's rounds, an unwritable folder and an observation outside what the prior predicts are
// clear errors. SNLE proposes by slice sampling and writes R-hat with its posterior.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "io/h5_file.h"
#include "io/posterior_file.h"
#include "testing/temp_dir.h"
#include "tests/apps/cli_runner.h"

namespace sbi {
namespace {

std::string observation(const testing::TempDir& dir, double x0, double x1) {
  const std::string path = dir.file("obs.h5");
  std::filesystem::remove(path);
  io::H5File f = io::H5File::create(path);
  f.write_vector("/x", Eigen::Vector2d(x0, x1));
  return path;
}

const char* kFast = " --hidden 16 --max-epochs 8 --num 500 --threads 1 --seed 3";

TEST(InferCli, RoundsLeaveTheirFilesAndAResumedRunEndsAsTheUninterruptedOne) {
  testing::TempDir dir;
  const std::string obs = observation(dir, 0.1, -0.3);
  const std::string base = "infer --task two_moons --observation " + obs + " --num-per-round 300" + kFast;
  const std::string full = dir.file("full.h5");
  CliRun r = sbi(dir, base + " --rounds 3 --out " + full);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("round 2/3: 300 simulations from rejection from the prior"), std::string::npos) << r.err;
  for (int k = 1; k <= 3; ++k) {
    EXPECT_TRUE(std::filesystem::exists(full + ".rounds/round_00" + std::to_string(k) + ".h5"));
    EXPECT_TRUE(std::filesystem::exists(full + ".rounds/model_00" + std::to_string(k) + ".h5"));
  }
  {
    const io::H5File round2 = io::H5File::open_read(full + ".rounds/round_002.h5");
    EXPECT_EQ(round2.shape("/theta"), (std::vector<size_t>{300, 2}));
    EXPECT_TRUE(round2.has_attr("/", "log_q_threshold"));
    EXPECT_GT(round2.get_double_attr("/", "prior_acceptance"), 0);
  }
  const io::PosteriorDraws posterior = io::read_posterior_file(full);
  ASSERT_EQ(posterior.samples.size(), 1u);
  EXPECT_EQ(posterior.samples[0].cols(), 500);

  // Stopped after round 1, continued to 3.
  const std::string resumed = dir.file("resumed.h5");
  ASSERT_EQ(sbi(dir, base + " --rounds 1 --out " + resumed).exit_code, 0);
  r = sbi(dir, base + " --rounds 3 --out " + resumed);  // without --resume: refused
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--resume continues it"), std::string::npos) << r.err;
  r = sbi(dir, base + " --rounds 3 --resume --out " + resumed);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("resuming after round 1"), std::string::npos) << r.err;
  EXPECT_EQ(io::read_posterior_file(resumed).samples[0], posterior.samples[0]);

  // Killed between round 3's simulations and its model: the round's file is read back.
  std::filesystem::remove(resumed + ".rounds/model_003.h5");
  std::filesystem::remove(resumed);
  r = sbi(dir, base + " --rounds 3 --resume --out " + resumed);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("resuming after round 2"), std::string::npos) << r.err;
  EXPECT_EQ(io::read_posterior_file(resumed).samples[0], posterior.samples[0]);

  // Another seed is another run.
  r = sbi(dir, "infer --task two_moons --observation " + obs + " --num-per-round 300 --hidden 16 --max-epochs 8 "
               "--num 500 --threads 1 --seed 4 --rounds 3 --resume --out " + resumed);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("is a round of another run"), std::string::npos) << r.err;
}

TEST(InferCli, BadSettingsAndObservationsAreClearErrors) {
  testing::TempDir dir;
  const std::string obs = observation(dir, 0.1, -0.3), out = dir.file("post.h5");
  expect_clean_failure(dir, sbi(dir, "infer --task two_moons --observation " + obs + " --rounds 0 --out " + out),
                       "--rounds must be in 1..1000", out);
  expect_clean_failure(dir, sbi(dir, "infer --task two_moon --observation " + obs + " --out " + out), "two_moon", out);
  expect_clean_failure(dir, sbi(dir, "infer --task two_moons --observation " + obs + " --method snpe-x --out " + out),
                       "--method expects tsnpe, snpe-c or snle", out);
  expect_clean_failure(dir, sbi(dir, "infer --task two_moons --observation " + obs +
                                     " --rounds-folder /proc/self/rounds --out " + out),
                       "cannot make the rounds folder", out);
  // Far outside what the prior predicts: round 2 stops with a message, not a loop.
  const std::string far = observation(dir, 30, -30);
  const CliRun r = sbi(dir, "infer --task two_moons --observation " + far + " --rounds 3 --num-per-round 300" +
                                std::string(kFast) + " --out " + out);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("outside what the prior predicts"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(InferCli, SequentialNeuralLikelihoodProposesBySliceSampling) {
  testing::TempDir dir;
  const std::string obs = observation(dir, 0.1, -0.3), out = dir.file("post.h5");
  const CliRun r = sbi(dir, "infer --task two_moons --method snle --observation " + obs +
                                " --rounds 2 --num-per-round 300 --warmup 50" + std::string(kFast) + " --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("round 2/2: 300 simulations from slice sampling"), std::string::npos) << r.err;
  const io::H5File f = io::H5File::open_read(out);
  EXPECT_TRUE(f.has_attr("/", "rhat_max"));
  // Per parameter, in /sample_stats (one value per observation).
  for (const char* name : {"rhat_theta_0", "ess_bulk_theta_1"}) {
    ASSERT_TRUE(f.has_attr("/sample_stats", name)) << name;
    const std::vector<double> v = f.get_double_list_attr("/sample_stats", name);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_GT(v[0], name[0] == 'r' ? 0.9 : 10.0) << name;
  }
  EXPECT_EQ(io::read_posterior_file(out).samples[0].cols(), 500);
}

// SNPE-C: round 2 from the current posterior, trained with the atomic loss.
TEST(InferCli, SnpeCProposesFromThePosteriorAndTrainsWithTheAtomicLoss) {
  testing::TempDir dir;
  const std::string obs = observation(dir, 0.1, -0.3), out = dir.file("post.h5");
  const CliRun r = sbi(dir, "infer --task two_moons --method snpe-c --num-atoms 5 --observation " + obs +
                                " --rounds 2 --num-per-round 300" + std::string(kFast) + " --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("round 2/2: 300 simulations from the current posterior"), std::string::npos) << r.err;
  EXPECT_EQ(io::H5File::open_read(out + ".rounds/model_002.h5").get_string_list_attr("/history", "term_names"),
            std::vector<std::string>{"atomic"});
  EXPECT_EQ(io::read_posterior_file(out).samples[0].cols(), 500);
}

// A user's simulator plugin, the C two moons: the same rounds as the built-in task (the
// plugin draws from the toolkit's streams), so the same final posterior. A plugin that fails
// on part of the prior has its failed simulations left out of their round.
TEST(InferCli, APluginRunsTheRoundsLikeTheBuiltInTask) {
  testing::TempDir dir;
  const std::string obs = observation(dir, 0.1, -0.3);
  const std::string rest = " --prior 'uniform(-1,1)*2' --observation " + obs + " --rounds 2 --num-per-round 300" +
                           std::string(kFast) + " --out ";
  CliRun r = sbi(dir, "infer --plugin " + std::string(SBI_PLUGIN_C) + rest + dir.file("plugin.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sbi(dir, "infer --task two_moons" + rest + dir.file("task.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(io::read_posterior_file(dir.file("plugin.h5")).samples[0],
            io::read_posterior_file(dir.file("task.h5")).samples[0]);

  const std::string flaky_obs = observation(dir, 0.3, 0.3);
  r = sbi(dir, "infer --plugin " + std::string(SBI_TEST_PLUGIN_flaky) + " --prior 'uniform(0,1)*2' --observation " +
               flaky_obs + " --rounds 1 --num-per-round 300" + std::string(kFast) + " --out " + dir.file("flaky.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("simulations failed and are left out"), std::string::npos) << r.err;
  const io::H5File round1 = io::H5File::open_read(dir.file("flaky.h5") + ".rounds/round_001.h5");
  const std::vector<size_t> shape = round1.shape("/x");
  EXPECT_LT(shape[0], 150u);  // about 30% of 300 succeed
  EXPECT_GT(shape[0], 60u);
}

// --ensemble K: K models per round, each with seeds of its own, kept in one model file whose
// mixture proposes and gives the posterior; K is part of what a resumed run must match.
TEST(InferCli, AnEnsembleTrainsKModelsPerRoundAndMixesThem) {
  testing::TempDir dir;
  const std::string obs = observation(dir, 0.1, -0.3), out = dir.file("post.h5");
  const std::string base = "infer --task two_moons --observation " + obs + " --num-per-round 300" +
                           std::string(kFast) + " --out " + out;
  CliRun r = sbi(dir, base + " --rounds 2 --ensemble 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("(2 members; member 1)"), std::string::npos) << r.err;
  const io::H5File model = io::H5File::open_read(out + ".rounds/model_002.h5");
  EXPECT_EQ(model.get_int_attr("/", "ensemble_size"), 2);
  EXPECT_GT(model.get_int_attr("/ensemble/member_2", "epochs"), 0);
  // The members differ (other initial weights and batches).
  EXPECT_NE(model.read_matrix("/weights/density/coupling0/dense0/weight"),
            model.read_matrix("/ensemble/member_2/weights/density/coupling0/dense0/weight"));
  EXPECT_EQ(io::read_posterior_file(out).samples[0].cols(), 500);
  r = sbi(dir, base + " --rounds 3 --ensemble 3 --resume");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("is a round of another run"), std::string::npos) << r.err;
  // A likelihood ensemble: the MCMC (here the ensemble sampler, 50 walkers) runs on the mixture,
  // for round 2's proposals and for the posterior.
  const std::string snle = dir.file("snle.h5");
  r = sbi(dir, "infer --task two_moons --method snle --observation " + obs + " --rounds 2 --num-per-round 300" +
                   " --warmup 50 --ensemble 2 --mcmc ensemble --chains 50" + std::string(kFast) + " --out " + snle);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("from the ensemble sampler on q(x_o | theta) p(theta): 50 walkers"), std::string::npos) << r.err;
  EXPECT_EQ(io::H5File::open_read(snle + ".rounds/model_002.h5").get_int_attr("/", "ensemble_size"), 2);
  EXPECT_EQ(io::H5File::open_read(snle).get_string_attr("/", "sampler"), "ensemble");
  EXPECT_EQ(io::read_posterior_file(snle).samples[0].cols(), 500);
}

// The built-in simulators with structured data: a dwarf galaxy's star set (DeepSets) and a
// lensing image (CNN), two short rounds each, the observation a simulation file of one row.
TEST(InferCli, RunsOnTheDwarfAndLensingSimulators) {
  testing::TempDir dir;
  const std::string short_run = " --rounds 2 --num-per-round 100 --max-epochs 2 --patience 0 --num 200 --threads 1 "
                                "--seed 4";
  const std::string dwarf = " --param num_stars=20";
  ASSERT_EQ(sbi(dir, "simulate --task dwarf --num 1 --seed 9 --out " + dir.file("star_obs.h5") + dwarf).exit_code, 0);
  CliRun r = sbi(dir, "infer --task dwarf" + dwarf + " --observation " + dir.file("star_obs.h5") +
                          " --embedding deepsets --embedding-hidden 16 --embedding-dim 8" + short_run + " --out " +
                          dir.file("dwarf.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("round 2/2: 100 simulations from"), std::string::npos) << r.err;
  EXPECT_EQ(io::read_posterior_file(dir.file("dwarf.h5")).samples[0].cols(), 200);

  const std::string lens = " --param npix=16 --param supersample=2";
  ASSERT_EQ(sbi(dir, "simulate --task lensing --num 1 --seed 9 --out " + dir.file("lens_obs.h5") + lens).exit_code, 0);
  r = sbi(dir, "infer --task lensing" + lens + " --observation " + dir.file("lens_obs.h5") +
                   " --embedding cnn --cnn-channels 4,8" + short_run + " --out " + dir.file("lens.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("round 2/2: 100 simulations from"), std::string::npos) << r.err;
  EXPECT_EQ(io::read_posterior_file(dir.file("lens.h5")).samples[0].cols(), 200);
}

}  // namespace
}  // namespace sbi
