// `sbi train --noise-sigma S | --noise-map FILE` (sbi/training_noise.h) through the command
// line: noiseless lensing images trained with the noise of an observation file's /noise_map
// or a constant σ, the noise recorded in the model file, and bad noise settings refused with
// one clear error before anything is written.
#include <gtest/gtest.h>

#include <vector>

#include "io/h5_file.h"
#include "testing/temp_dir.h"
#include "tests/apps/cli_runner.h"

namespace sbi {
namespace {

constexpr int kNpix = 12;

void write_noise_map(const std::string& path, int npix) {
  std::vector<double> noise(npix * npix);
  for (int i = 0; i < npix * npix; ++i) noise[i] = 0.05 + 0.001 * i;
  io::H5File f = io::H5File::create(path);
  f.write_array("/x", {static_cast<size_t>(npix), static_cast<size_t>(npix)},
                std::vector<double>(npix * npix, 0.0));
  f.write_array("/noise_map", {static_cast<size_t>(npix), static_cast<size_t>(npix)}, noise);
}

class TrainingNoiseCli : public ::testing::Test {
 protected:
  void SetUp() override {
    sims_ = dir_.file("sims.h5");
    noise_ = dir_.file("obs.h5");
    write_noise_map(noise_, kNpix);
    const CliRun r = sbi(dir_, "simulate --task lensing --param npix=12 --param pixel_scale=0.4 "
                               "--param supersample=1 --param noise_sigma=0 --num 200 --seed 4 "
                               "--out " + sims_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string train(const std::string& noise_flags, const std::string& out) {
    return "train --data " + sims_ + " --transforms 2 --hidden 8 --max-epochs 2 --seed 1 " +
           noise_flags + " --out " + out;
  }
  testing::TempDir dir_;
  std::string sims_, noise_;
};

TEST_F(TrainingNoiseCli, TheNoiseOfAnObservationFileIsAddedAndRecorded) {
  const std::string model = dir_.file("model.h5");
  CliRun r = sbi(dir_, train("--noise-map " + noise_, model));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("training noise: gaussian, sigma per pixel from " + noise_ +
                       ": /noise_map (0.05 .. 0.193), drawn afresh for every batch"),
            std::string::npos) << r.err;
  {
    io::H5File f = io::H5File::open_read(model);
    EXPECT_EQ(f.get_string_attr("/history", "x_noise"),
              "gaussian, sigma per pixel from " + noise_ + ": /noise_map (0.05 .. 0.193)");
  }
  r = sbi(dir_, train("--noise-sigma 0.1", model));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  io::H5File f = io::H5File::open_read(model);
  EXPECT_EQ(f.get_string_attr("/history", "x_noise"), "gaussian, sigma 0.1");
}

TEST_F(TrainingNoiseCli, BadNoiseSettingsAreOneClearErrorAndWriteNothing) {
  const std::string model = dir_.file("model.h5");
  expect_clean_failure(dir_, sbi(dir_, train("--noise-sigma -1", model)),
                       "--noise-sigma -1 must be finite and > 0", model);
  expect_clean_failure(dir_, sbi(dir_, train("--noise-sigma nan", model)), "--noise-sigma", model);
  expect_clean_failure(dir_, sbi(dir_, train("--noise-sigma 0.1 --noise-map " + noise_, model)),
                       "--noise-sigma and --noise-map both give the training noise", model);
  write_noise_map(dir_.file("small.h5"), kNpix - 2);
  expect_clean_failure(dir_, sbi(dir_, train("--noise-map " + dir_.file("small.h5"), model)),
                       "/noise_map has shape (10, 10), but x is an image of 12 x 12 pixels", model);
  expect_clean_failure(dir_, sbi(dir_, train("--noise-map " + dir_.file("missing.h5"), model)),
                       "--noise-map", model);
  // The noise map is an input: an output of the same name is refused and it stays as it was.
  const std::string bytes = read_bytes(noise_);
  const CliRun r = sbi(dir_, train("--noise-map " + noise_, noise_));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("obs.h5"), std::string::npos) << r.err;
  EXPECT_EQ(read_bytes(noise_), bytes);
}

}  // namespace
}  // namespace sbi
