// sbi train --memory-budget: a file needing more memory than the budget is streamed (chunks
// read as batches need them), the model records how, and it samples like any other; a file
// that fits is read whole as without the flag; a budget that is not a size, or too small for
// two windows of a batch, is a clean error; a killed streamed run resumes to the bits of an
// uninterrupted one. (That streaming trains as in memory given the same order is
// tests/sbi/out_of_core_test.cc.)
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "io/h5_file.h"
#include "sbi/model_file.h"
#include "testing/temp_dir.h"
#include "tests/apps/cli_runner.h"

namespace sbi {
namespace {

TEST(OutOfCoreCli, AFileLargerThanTheBudgetIsStreamedAndTheModelSamples) {
  testing::TempDir dir;
  const std::string sims = dir.file("sims.h5"), model = dir.file("model.h5");
  ASSERT_EQ(sbi(dir, "simulate --task two_moons --num 20000 --seed 1 --out " + sims).exit_code, 0);
  // 640 KB of data; a tenth of it.
  CliRun r = sbi(dir, "train --data " + sims + " --memory-budget 64KB --hidden 16 --max-epochs 3 --seed 2 --out " + model);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("more than --memory-budget 62.5 KiB: streaming chunks of"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("examples/s"), std::string::npos) << r.err;
  TrainSummary summary;
  load_model(model, &summary);
  EXPECT_GT(summary.chunked_shuffle.chunk_rows, 0);
  EXPECT_NE(summary.streaming.find("streamed"), std::string::npos) << summary.streaming;
  EXPECT_EQ(summary.epochs, 3);
  const std::string obs = dir.file("obs.h5");
  {
    io::H5File f = io::H5File::create(obs);
    f.write_vector("/x", Eigen::Vector2d(0.1, 0.2));
  }
  r = sbi(dir, "sample --model " + model + " --observation " + obs + " --num 100 --out " + dir.file("post.h5"));
  EXPECT_EQ(r.exit_code, 0) << r.err;

  // Within the budget: read whole, the usual shuffle.
  r = sbi(dir, "train --data " + sims + " --memory-budget 1GiB --hidden 16 --max-epochs 1 --out " + dir.file("m2.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("within --memory-budget 1 GiB: read whole"), std::string::npos) << r.err;
  load_model(dir.file("m2.h5"), &summary);
  EXPECT_EQ(summary.chunked_shuffle.chunk_rows, 0);
  EXPECT_EQ(summary.streaming, "");
}

TEST(OutOfCoreCli, SetDataStreamToo) {
  testing::TempDir dir;
  const std::string sims = dir.file("dwarf.h5"), model = dir.file("model.h5");
  ASSERT_EQ(sbi(dir, "simulate --task dwarf --param num_stars=20 --param num_stars_min=10 --num 600 --seed 1 --out " +
                         sims).exit_code, 0);
  const CliRun r = sbi(dir, "train --data " + sims + " --memory-budget 100KB --embedding deepsets --hidden 16 "
                            "--batch-size 32 --max-epochs 2 --out " + model);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("streaming"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("variable size: padded, masked"), std::string::npos) << r.err;
}

TEST(OutOfCoreCli, ABadBudgetIsACleanError) {
  testing::TempDir dir;
  const std::string sims = dir.file("sims.h5"), model = dir.file("model.h5");
  ASSERT_EQ(sbi(dir, "simulate --task two_moons --num 20000 --seed 1 --out " + sims).exit_code, 0);
  expect_clean_failure(dir, sbi(dir, "train --data " + sims + " --memory-budget 12parsecs --out " + model),
                       "--memory-budget expects a size such as 2GiB", model);
  expect_clean_failure(dir, sbi(dir, "train --data " + sims + " --memory-budget -5MB --out " + model),
                       "--memory-budget expects a size", model);
  expect_clean_failure(dir, sbi(dir, "train --data " + sims + " --memory-budget 8KB --out " + model),
                       "give at least", model);
  expect_clean_failure(dir, sbi(dir, "train --data " + sims + " --memory-budget 64KB --pretrain-epochs 3 "
                                     "--embedding mlp --out " + model),
                       "needs the data in memory", model);
}

}  // namespace
}  // namespace sbi
