// sbi simulate under mpirun (issue 16): the ranks split the chunks and rank 0 writes the file,
// bitwise the single-process run; a failing rank fails the job with one message and no
// output, and --resume then completes it. These run in a build with -DSBI_MPI=ON (SBI_MPIEXEC
// is then the mpiexec found by CMake); a build without MPI refuses to run as several ranks.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "io/h5_file.h"
#include "sbi/model_file.h"
#include "testing/temp_dir.h"
#include "tests/apps/cli_runner.h"

namespace sbi {
namespace {

#ifdef SBI_MPIEXEC
void expect_same_simulations(const std::string& a, const std::string& b) {
  const io::H5File fa = io::H5File::open_read(a), fb = io::H5File::open_read(b);
  for (const char* name : {"/theta", "/x"}) {
    const std::vector<double> va = fa.read_array(name, nullptr), vb = fb.read_array(name, nullptr);
    ASSERT_EQ(va.size(), vb.size()) << name;
    EXPECT_TRUE(va == vb) << name << " differs";  // bitwise (no NaN in two_moons)
  }
}

// Open MPI's flags: CI runs as root on 2 cores.
std::string mpirun(int ranks) {
  return std::string(SBI_MPIEXEC) + " --allow-run-as-root --oversubscribe -np " + std::to_string(ranks) + " ";
}

TEST(MpiCli, RanksTogetherWriteTheSingleProcessFileBitwise) {
  testing::TempDir dir;
  EXPECT_NE(sbi(dir, "--version").out.find(", with MPI"), std::string::npos);
  const std::string common = "simulate --task two_moons --num 5000 --seed 3 --threads 1 --out ";
  ASSERT_EQ(sbi(dir, common + dir.file("one.h5")).exit_code, 0);
  for (int ranks : {2, 3}) {
    SCOPED_TRACE(ranks);
    const std::string out = dir.file("ranks" + std::to_string(ranks) + ".h5");
    // Uneven chunks: 700 does not divide 5000, and 8 chunks do not split evenly over 3 ranks.
    const CliRun r = sbi(dir, common + out + " --chunk 700", mpirun(ranks));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_same_simulations(dir.file("one.h5"), out);
    EXPECT_FALSE(std::filesystem::exists(out + ".chunks"));  // cleaned up once written
  }
  // Without --chunk each rank gets one chunk.
  const CliRun r = sbi(dir, common + dir.file("default.h5"), mpirun(2));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_same_simulations(dir.file("one.h5"), dir.file("default.h5"));
}

TEST(MpiCli, AFailingRankFailsTheJobWithOneMessageAndNoOutputAndResumeCompletesIt) {
  testing::TempDir dir;
  const std::string out = dir.file("sims.h5");
  const std::string args = "simulate --task two_moons --num 4000 --seed 9 --threads 1 --chunk 1000 --out " + out;
  ASSERT_EQ(sbi(dir, args + "_reference").exit_code, 0);
  // Rank 1's first chunk (samples 1000..1999) is damaged: rank 1 fails while resuming.
  std::filesystem::create_directory(out + ".chunks");
  std::ofstream(out + ".chunks/chunk_1000.h5") << "not an HDF5 file";
  const CliRun failed = sbi(dir, args + " --resume", mpirun(2));
  EXPECT_NE(failed.exit_code, 0);
  EXPECT_NE(failed.err.find("sbi: error: rank 1: "), std::string::npos) << failed.err;
  size_t errors = 0;
  for (size_t at = failed.err.find("sbi: error:"); at != std::string::npos; at = failed.err.find("sbi: error:", at + 1))
    ++errors;
  EXPECT_EQ(errors, 1u) << failed.err;
  EXPECT_NE(failed.err.find("chunk_1000.h5 is not an HDF5 file"), std::string::npos) << failed.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_TRUE(std::filesystem::exists(out + ".chunks/chunk_0.h5"));  // rank 0's work is kept

  std::filesystem::remove(out + ".chunks/chunk_1000.h5");
  const CliRun resumed = sbi(dir, args + " --resume", mpirun(2));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resumed:"), std::string::npos) << resumed.err;
  expect_same_simulations(out + "_reference", out);
}
TEST(MpiCli, EmulationAcrossRanksIsBitwiseTheSingleProcessFile) {
  testing::TempDir dir;
  ASSERT_EQ(sbi(dir, "simulate --task two_moons --num 1000 --seed 1 --out " + dir.file("sims.h5")).exit_code, 0);
  ASSERT_EQ(sbi(dir, "simulate --task two_moons --num 7 --seed 2 --out " + dir.file("theta.h5")).exit_code, 0);
  ASSERT_EQ(sbi(dir, "train --data " + dir.file("sims.h5") + " --target x --estimator realnvp --hidden 16 "
                     "--max-epochs 2 --patience 0 --out " + dir.file("emu.h5")).exit_code, 0);
  const std::string args = "emulate --model " + dir.file("emu.h5") + " --theta " + dir.file("theta.h5") +
                           " --num-per-theta 50 --seed 4 --threads 1 --out ";
  ASSERT_EQ(sbi(dir, args + dir.file("one.h5")).exit_code, 0);
  const CliRun r = sbi(dir, args + dir.file("two.h5"), mpirun(2));  // 7 rows: 4 and 3
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_same_simulations(dir.file("one.h5"), dir.file("two.h5"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("two.h5.chunks")));
}

// Training across ranks: rank r computes its part of every batch, the parts' gradients are
// summed in rank order, rank 0 writes. 2 ranks of 1 shard give the bits of 1 process of 2.
TEST(MpiCli, TrainingAcrossRanksGivesTheWeightsOfOneProcessWithAsManyShards) {
  testing::TempDir dir;
  ASSERT_EQ(sbi(dir, "simulate --task two_moons --num 2000 --seed 1 --out " + dir.file("sims.h5")).exit_code, 0);
  // The CNF draws times and noise in every shard: each rank's shards have their own streams.
  // And streamed from the file (--memory-budget: 24 KB of the 64 KB of data), every rank
  // reading every chunk.
  for (const char* estimator : {"nsf", "cnf", "nsf --memory-budget 24KB"}) {
    SCOPED_TRACE(estimator);
    const std::string args = std::string("train --data ") + dir.file("sims.h5") + " --estimator " + estimator +
                             " --hidden 16 --max-epochs 3 --patience 0 --threads 1 --out ";
    const CliRun two = sbi(dir, args + dir.file("two.h5") + " --shards 1", mpirun(2));
    ASSERT_EQ(two.exit_code, 0) << two.err;
    EXPECT_NE(two.err.find("training across 2 processes"), std::string::npos) << two.err;
    if (std::string(estimator).find("memory-budget") != std::string::npos) {
      EXPECT_NE(two.err.find("streaming chunks"), std::string::npos) << two.err;
    }
    size_t wrote = 0;  // rank 0 alone reports
    for (size_t at = two.err.find("sbi: wrote"); at != std::string::npos; at = two.err.find("sbi: wrote", at + 1))
      ++wrote;
    EXPECT_EQ(wrote, 1u) << two.err;
    ASSERT_EQ(sbi(dir, args + dir.file("one.h5") + " --shards 2").exit_code, 0);
    TrainSummary summary_two, summary_one;
    PosteriorModel a = load_model(dir.file("two.h5"), &summary_two);
    PosteriorModel b = load_model(dir.file("one.h5"), &summary_one);
    EXPECT_EQ(summary_two.processes, 2);
    EXPECT_EQ(summary_two.shards, 1);
    EXPECT_EQ(summary_one.shards, 2);
    EXPECT_TRUE(nn::flatten_values(a.parameters()) == nn::flatten_values(b.parameters()));
    ASSERT_EQ(summary_two.history.size(), 3u);
    for (size_t e = 0; e < 3; ++e)
      EXPECT_EQ(summary_two.history[e].train_loss, summary_one.history[e].train_loss) << "epoch " << e + 1;
  }
}
#else
// What mpirun puts in the environment, seen by a build without MPI: refused, once, before
// any work (each rank would otherwise write the whole file).
TEST(MpiCli, ABuildWithoutMpiRefusesToRunAsSeveralRanks) {
  testing::TempDir dir;
  EXPECT_EQ(sbi(dir, "--version").out.find("MPI"), std::string::npos);
  const std::string out = dir.file("sims.h5");
  const CliRun r = sbi(dir, "simulate --task two_moons --num 100 --out " + out,
                       "OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=0 ");
  expect_clean_failure(dir, r, "built without MPI", out);
  const CliRun other_rank = sbi(dir, "simulate --task two_moons --num 100 --out " + out,
                                "OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=1 ");
  EXPECT_EQ(other_rank.exit_code, 1);
  EXPECT_EQ(other_rank.err, "");  // rank 0 says it
}
#endif

}  // namespace
}  // namespace sbi
