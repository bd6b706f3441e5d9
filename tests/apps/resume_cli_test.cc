// sbi train --resume: a training run killed with SIGKILL after some epochs and resumed from
// its checkpoint ends with the same weights and history, bit for bit, as an uninterrupted
// run; a checkpoint of another run is refused; a finished run leaves no checkpoint.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "io/h5_file.h"
#include "testing/temp_dir.h"
#include "tests/apps/cli_runner.h"

namespace sbi {
namespace {

// Every dataset under `group` of a model file, in name order, depth first.
void collect(const io::H5File& f, const std::string& group, std::vector<std::vector<double>>* out) {
  for (const std::string& name : f.list(group)) {
    const std::string path = group + "/" + name;
    if (f.is_dataset(path))
      out->push_back(f.read_array(path, nullptr));
    else
      collect(f, path, out);
  }
}
std::vector<std::vector<double>> weights(const std::string& path) {
  std::vector<std::vector<double>> out;
  collect(io::H5File::open_read(path), "/weights", &out);
  return out;
}

// Starts `sbi ARGS` in the background, waits until `path` exists (at most `tries` x `pause`
// seconds) and kills it with SIGKILL; `harmless` runs after, as the command the runner sees.
CliRun run_and_kill_when_exists(const testing::TempDir& dir, const std::string& args, const std::string& path,
                                int tries, const char* pause, const std::string& harmless) {
  const std::string kill = "(" + std::string(SBI_BINARY_PATH) + " " + args + " 2>/dev/null & echo $! > " +
                           dir.file("pid") + "); for i in $(seq " + std::to_string(tries) + "); do [ -f " + path +
                           " ] && break; sleep " + pause + "; done; kill -9 $(cat " + dir.file("pid") +
                           "); sleep 0.2; ";
  return sbi(dir, harmless, kill);  // the kill runs first, as the setup of a harmless command
}

// `sbi ARGS KILLED --resume` continues the killed training run, removes its checkpoint and
// ends with the weights and validation history of the uninterrupted run FULL, bit for bit.
void expect_resumed_run_equals(const testing::TempDir& dir, const std::string& args, const std::string& killed,
                               const std::string& full) {
  const CliRun r = sbi(dir, args + killed + " --resume");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("resuming after epoch"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(killed + ".checkpoint"));
  ASSERT_FALSE(weights(full).empty());
  EXPECT_EQ(weights(killed), weights(full));
  EXPECT_EQ(io::H5File::open_read(killed).read_vector("/history/validation_loss"),
            io::H5File::open_read(full).read_vector("/history/validation_loss"));
}

// The whole story for a training command: `sbi ARGS FULL` runs to the end and leaves no
// checkpoint; `sbi ARGS KILLED` is killed once its checkpoint exists (before its output);
// `sbi OTHER KILLED --resume`, the same command with another setting, is refused; then
// expect_resumed_run_equals. `harmless` is a command that only reads.
void expect_killed_training_resumes(const testing::TempDir& dir, const std::string& args, const std::string& other,
                                    const std::string& harmless) {
  const std::string full = dir.file("full.h5");
  CliRun r = sbi(dir, args + full);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(std::filesystem::exists(full + ".checkpoint"));
  const std::string killed = dir.file("killed.h5"), checkpoint = killed + ".checkpoint";
  r = run_and_kill_when_exists(dir, args + killed, checkpoint, 2000, "0.005", harmless);
  ASSERT_TRUE(std::filesystem::exists(checkpoint)) << "the run ended before it was killed";
  ASSERT_FALSE(std::filesystem::exists(killed));
  r = sbi(dir, other + killed + " --resume");
  EXPECT_NE(r.err.find("is the checkpoint of another training run"), std::string::npos) << r.err;
  expect_resumed_run_equals(dir, args, killed, full);
}

TEST(ResumeCli, AKilledRunResumedEqualsAnUninterruptedOne) {
  testing::TempDir dir;
  const std::string sims = dir.file("sims.h5");
  ASSERT_EQ(sbi(dir, "simulate --task two_moons --num 3000 --seed 1 --out " + sims).exit_code, 0);
  // The score estimator: its training draws (times, noise) come from a stream the checkpoint
  // must carry, beside the weights, Adam's moments, the learning rate and the history.
  const std::string args = "train --data " + sims + " --estimator score --hidden 32 --layers 2 "
                           "--max-epochs 12 --patience 0 --seed 5 --threads 1 --out ";
  const std::string full = dir.file("full.h5");
  CliRun r = sbi(dir, args + full);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(std::filesystem::exists(full + ".checkpoint"));

  const std::string killed = dir.file("killed.h5");
  const std::string checkpoint = killed + ".checkpoint";
  r = run_and_kill_when_exists(dir, args + killed, checkpoint, 1000, "0.01", "info " + sims);
  ASSERT_TRUE(std::filesystem::exists(checkpoint)) << "the run ended before it was killed";
  ASSERT_FALSE(std::filesystem::exists(killed));
  {
    io::H5File f = io::H5File::open_read(checkpoint);
    EXPECT_GE(f.get_int_attr("/", "epoch"), 1);
    EXPECT_LT(f.get_int_attr("/", "epoch"), 12);
  }
  // Another seed is another run: refused, the checkpoint kept.
  r = sbi(dir, "train --data " + sims + " --estimator score --hidden 32 --layers 2 --max-epochs 12 "
               "--patience 0 --seed 6 --threads 1 --resume --out " + killed);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("is the checkpoint of another training run"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::exists(checkpoint));

  expect_resumed_run_equals(dir, args, killed, full);

  // Nothing to resume from.
  r = sbi(dir, args + dir.file("other.h5") + " --resume");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no checkpoint"), std::string::npos) << r.err;
}

// sbi prior train checkpoints the same way (the principal components are refitted, the
// score model's weights, Adam's state and its training stream come from the checkpoint).
TEST(ResumeCli, AKilledPriorTrainingResumedEqualsAnUninterruptedOne) {
  testing::TempDir dir;
  const std::string images = dir.file("galaxies.h5");
  ASSERT_EQ(sbi(dir, "simulate --task galaxy_images --param npix=8 --param pixel_scale=0.6 --param noise_sigma=0 "
                     "--num 8000 --seed 1 --out " + images).exit_code, 0);
  const std::string settings = " --layers 2 --max-epochs 12 --patience 0 --seed 3 --threads 1 --out ";
  // Another width is another run.
  expect_killed_training_resumes(dir, "prior train --data " + images + " --hidden 32" + settings,
                                 "prior train --data " + images + " --hidden 16" + settings, "info " + images);
}

// Streamed training (--memory-budget) too: the chunked order of every epoch is drawn afresh
// from the seed, so the resumed run reads the chunks of the uninterrupted one.
TEST(ResumeCli, AKilledStreamedTrainingResumedEqualsAnUninterruptedOne) {
  testing::TempDir dir;
  const std::string sims = dir.file("sims.h5");
  ASSERT_EQ(sbi(dir, "simulate --task two_moons --num 20000 --seed 1 --out " + sims).exit_code, 0);
  const std::string train = "train --data " + sims + " --hidden 32 --max-epochs 12 --patience 0 --seed 5 --threads 1 ";
  expect_killed_training_resumes(dir, train + "--memory-budget 64KB --out ", train + "--memory-budget 96KB --out ",
                                 "info " + sims);
}

// Single-precision training resumes bitwise too, and a checkpoint trained in one precision
// is not continued in the other (the initial weights, which stand for the architecture in
// the checkpoint's fingerprint, do not differ between the two).
TEST(ResumeCli, AKilledFloat32TrainingResumedEqualsAnUninterruptedOne) {
  testing::TempDir dir;
  const std::string sims = dir.file("sims.h5");
  ASSERT_EQ(sbi(dir, "simulate --task two_moons --num 3000 --seed 1 --out " + sims).exit_code, 0);
  const std::string train = "train --data " + sims + " --hidden 32 --max-epochs 12 --patience 0 --seed 5 --threads 1 ";
  expect_killed_training_resumes(dir, train + "--train-precision float32 --out ",
                                 train + "--train-precision float64 --out ", "info " + sims);
}

// sbi vae train too; with the rate controller, whose β and integral carry from epoch to epoch
// (Objective::carried_state), and the per-epoch β history, which must come out whole.
TEST(ResumeCli, AKilledVaeTrainingWithTheRateControllerResumedEqualsAnUninterruptedOne) {
  testing::TempDir dir;
  const std::string images = dir.file("galaxies.h5");
  ASSERT_EQ(sbi(dir, "simulate --task galaxy_images --param npix=8 --param pixel_scale=0.6 --num 6000 --seed 1 "
                     "--out " + images).exit_code, 0);
  const std::string vae = "vae train --data " + images + " --latent 4 --hidden 64 --max-epochs 14 --patience 0 "
                          "--seed 3 --threads 1 ";
  // Another target rate is another run.
  expect_killed_training_resumes(dir, vae + "--target-rate 6 --out ", vae + "--target-rate 5 --out ", "info " + images);
  EXPECT_EQ(io::H5File::open_read(dir.file("killed.h5")).read_vector("/history/beta"),
            io::H5File::open_read(dir.file("full.h5")).read_vector("/history/beta"));
  const CliRun r = sbi(dir, "vae encode --model " + dir.file("full.h5") + " --data " + images + " --resume --out " +
                                dir.file("z.h5"));
  EXPECT_NE(r.err.find("are for sbi vae train"), std::string::npos) << r.err;
}

TEST(ResumeCli, AKilledSimulationResumedEqualsAnUninterruptedOne) {
  testing::TempDir dir;
  const std::string full = dir.file("full.h5");
  ASSERT_EQ(sbi(dir, "simulate --task lensing --num 3000 --seed 3 --out " + full).exit_code, 0);
  const std::string killed = dir.file("killed.h5"), chunks = killed + ".chunks";
  const std::string args = "simulate --task lensing --num 3000 --chunk 250 --seed 3 --threads 1 --out " + killed;
  CliRun r = run_and_kill_when_exists(dir, args, chunks + "/chunk_500.h5", 2000, "0.005", "info " + full);
  ASSERT_TRUE(std::filesystem::exists(chunks + "/chunk_0.h5")) << "no chunk was finished";
  ASSERT_FALSE(std::filesystem::exists(killed)) << "the run ended before it was killed";
  // Without --resume the finished chunks are not thrown away: refused.
  r = sbi(dir, args);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--resume continues it"), std::string::npos) << r.err;
  // Another seed is another run.
  r = sbi(dir, "simulate --task lensing --num 3000 --chunk 250 --seed 4 --resume --out " + killed);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("is a chunk of another run"), std::string::npos) << r.err;
  r = sbi(dir, args + " --resume");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("read back from the chunks"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(chunks));
  io::H5File a = io::H5File::open_read(full), b = io::H5File::open_read(killed);
  EXPECT_EQ(a.read_array("/x", nullptr), b.read_array("/x", nullptr));
  EXPECT_EQ(a.read_array("/theta", nullptr), b.read_array("/theta", nullptr));
}

}  // namespace
}  // namespace sbi
