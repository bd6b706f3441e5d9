// The lensing task through the command line with the instrument of a real observation: a
// PSF image and a per-pixel noise map read from HDF5 files (--param psf_file=, noise_file=).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "io/h5_file.h"
#include "testing/temp_dir.h"
#include "tests/apps/cli_runner.h"

namespace sbi {
namespace {

// A lopsided 5 x 5 PSF (not a Gaussian) and a noise map rising from left to right.
void write_instrument(const std::string& psf_path, const std::string& noise_path, int npix,
                      bool nan_in_psf = false) {
  std::vector<double> psf(25, 0.0);
  psf[12] = 0.5;
  psf[13] = 0.3;
  psf[7] = 0.2;
  if (nan_in_psf) psf[0] = NAN;
  io::H5File p = io::H5File::create(psf_path);
  p.write_array("/psf", {5, 5}, psf);
  std::vector<double> noise(npix * npix);
  for (int i = 0; i < npix; ++i)
    for (int j = 0; j < npix; ++j) noise[i * npix + j] = 0.01 + 0.01 * j;
  io::H5File n = io::H5File::create(noise_path);
  n.write_array("/noise_map", {static_cast<size_t>(npix), static_cast<size_t>(npix)}, noise);
}

TEST(LensingCli, SimulatesWithThePsfAndNoiseMapOfAnObservationFile) {
  testing::TempDir dir;
  const std::string psf = dir.file("psf.h5"), noise = dir.file("noise.h5"), out = dir.file("sims.h5");
  write_instrument(psf, noise, 16);
  const std::string simulate = "simulate --task lensing --param npix=16 --param supersample=2 "
                               "--param psf_file=" + psf + " --param noise_file=" + noise +
                               " --num 30 --seed 3 --out ";
  CliRun r = sbi(dir, simulate + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  io::H5File f = io::H5File::open_read(out);
  EXPECT_EQ(f.shape("/x"), (std::vector<size_t>{30, 16, 16}));
  EXPECT_EQ(f.shape("/theta"), (std::vector<size_t>{30, 12}));

  // The instrument files are inputs: never replaced by the output.
  const std::string psf_bytes = read_bytes(psf);
  r = sbi(dir, simulate + psf);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("psf.h5"), std::string::npos) << r.err;
  EXPECT_EQ(read_bytes(psf), psf_bytes);
  // A PSF with NaN, a noise map of the wrong size, a missing file: one clear error each.
  write_instrument(dir.file("nan_psf.h5"), dir.file("noise12.h5"), 12, true);
  r = sbi(dir, "simulate --task lensing --param npix=16 --param psf_file=" + dir.file("nan_psf.h5") +
                   " --num 2 --out " + dir.file("bad.h5"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("/psf"), std::string::npos) << r.err;
  r = sbi(dir, "simulate --task lensing --param npix=16 --param noise_file=" + dir.file("noise12.h5") +
                   " --num 2 --out " + dir.file("bad.h5"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("noise"), std::string::npos) << r.err;
  r = sbi(dir, "simulate --task lensing --param psf_file=" + dir.file("missing.h5") +
                   " --num 2 --out " + dir.file("bad.h5"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("missing.h5"), std::string::npos) << r.err;
}

// `sbi simulate` records the lensing task's symmetries (simulators/symmetry.h) when its
// instrument has them, and `sbi train --augment-symmetries` trains with them; a file without
// them (a lopsided PSF) is one clear error and no output.
TEST(LensingCli, SimulationFilesRecordTheirSymmetriesAndTrainingAugmentsByThem) {
  testing::TempDir dir;
  const std::string sims = dir.file("sims.h5"), model = dir.file("m.h5");
  CliRun r = sbi(dir, "simulate --task lensing --param npix=16 --param supersample=1 --param noise_sigma=0 "
                      "--num 200 --seed 3 --out " + sims);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(io::H5File::open_read(sims).get_string_attr("/", "symmetries"), "lensing_d4");
  r = sbi(dir, "train --data " + sims + " --embedding cnn --cnn-channels 4 --embedding-dim 8 --max-epochs 2 "
               "--noise-sigma 0.1 --augment-symmetries --out " + model);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("one of the 8 symmetries"), std::string::npos) << r.err;

  const std::string psf = dir.file("psf.h5"), noise = dir.file("noise.h5"), lopsided = dir.file("lopsided.h5");
  write_instrument(psf, noise, 16);
  r = sbi(dir, "simulate --task lensing --param npix=16 --param supersample=1 --param noise_sigma=0 "
               "--param psf_file=" + psf + " --num 50 --seed 3 --out " + lopsided);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(io::H5File::open_read(lopsided).has_attr("/", "symmetries"));
  const std::string refused = dir.file("refused.h5");
  expect_clean_failure(dir, sbi(dir, "train --data " + lopsided + " --embedding cnn --cnn-channels 4 "
                                     "--augment-symmetries --out " + refused),
                       "records no symmetries of its simulator", refused);
}

}  // namespace
}  // namespace sbi
