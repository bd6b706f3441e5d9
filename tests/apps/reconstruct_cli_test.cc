// The diffusion-prior commands through the command line: sbi prior train on images, sbi prior
// sample --model, sbi lens-image and sbi reconstruct; bad input is one clear error and no
// output, and no output may replace an input.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <vector>

#include "io/h5_file.h"
#include "testing/temp_dir.h"
#include "tests/apps/cli_runner.h"

namespace sbi {
namespace {

// 8 x 8 source images, a 12 x 12 lensing image of 0.2" pixels: small enough for seconds.
const char* kInstrument = "--param npix=12 --param pixel_scale=0.2 --param supersample=2 "
                          "--param psf_fwhm=0.3 --param psf_size=5 --param noise_sigma=0.05 "
                          "--source-pixel-scale 0.1";

class ReconstructCli : public ::testing::Test {
 protected:
  void SetUp() override {
    images_ = dir_.file("galaxies.h5");
    CliRun r = sbi(dir_, "simulate --task galaxy_images --param npix=8 --param pixel_scale=0.6 "
                         "--param noise_sigma=0 --num 400 --seed 1 --out " + images_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    lens_ = dir_.file("lens.h5");
    r = sbi(dir_, "simulate --task lensing --num 1 --seed 2 --param npix=12 --out " + lens_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    prior_ = dir_.file("prior.h5");
    r = sbi(dir_, "prior train --data " + images_ + " --hidden 16 --layers 1 --max-epochs 3 --seed 3 --out " + prior_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    obs_ = dir_.file("obs.h5");
    r = sbi(dir_, "lens-image --source " + images_ + " --source-index 5 --lens " + lens_ + " " + kInstrument +
                      " --seed 4 --out " + obs_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string reconstruct(const std::string& extra, const std::string& out) {
    return "reconstruct --prior " + prior_ + " --observation " + obs_ + " --lens " + obs_ + " " +
           kInstrument + " --num 6 --sde-steps 20 --seed 5 " + extra + " --out " + out;
  }
  testing::TempDir dir_;
  std::string images_, lens_, prior_, obs_;
};

TEST_F(ReconstructCli, TrainsAPriorSamplesItAndReconstructsALensedSource) {
  {
    io::H5File f = io::H5File::open_read(prior_);
    EXPECT_EQ(f.get_string_attr("/", "format"), "sbi-toolkit image prior");
    const std::vector<size_t> components = f.shape("/pca/components");
    ASSERT_EQ(components.size(), 2u);
    EXPECT_EQ(components[1], 64u);
    EXPECT_GE(f.get_double_attr("/", "retained_variance"), 0.999);
    EXPECT_EQ(f.read_vector("/history/train_denoising").size(), 3);
  }
  CliRun r = sbi(dir_, "prior sample --model " + prior_ + " --num 5 --seed 6 --out " + dir_.file("draws.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(io::H5File::open_read(dir_.file("draws.h5")).shape("/x"), (std::vector<size_t>{5, 8, 8}));
  {
    io::H5File f = io::H5File::open_read(obs_);
    EXPECT_EQ(f.shape("/x"), (std::vector<size_t>{12, 12}));
    EXPECT_EQ(f.shape("/source"), (std::vector<size_t>{8, 8}));
    // The noise: (x - model) / σ has unit variance (144 pixels: sd of the estimate 0.12).
    const std::vector<double> x = f.read_array("/x", nullptr), model = f.read_array("/model", nullptr);
    double s2 = 0;
    for (size_t i = 0; i < x.size(); ++i) s2 += std::pow((x[i] - model[i]) / 0.05, 2);
    EXPECT_NEAR(s2 / x.size(), 1.0, 0.4);
  }
  const std::string out = dir_.file("source.h5");
  r = sbi(dir_, reconstruct("", out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("reduced"), std::string::npos) << r.err;
  io::H5File f = io::H5File::open_read(out);
  EXPECT_EQ(f.shape("/samples"), (std::vector<size_t>{6, 8, 8}));
  for (const char* name : {"/mean", "/std", "/least_squares"}) EXPECT_EQ(f.shape(name), (std::vector<size_t>{8, 8}));
  for (const char* name : {"/model", "/residual", "/least_squares_model"})
    EXPECT_EQ(f.shape(name), (std::vector<size_t>{12, 12}));
  EXPECT_EQ(f.get_int_attr("/", "num_pixels"), 144);
  EXPECT_GT(f.get_double_attr("/", "reduced_chi2"), 0.0);
  // The least-squares source fits to the noise level: χ² = the number of pixels.
  EXPECT_NEAR(f.get_double_attr("/", "least_squares_reduced_chi2"), 1.0, 1e-6);
  EXPECT_EQ(f.get_string_attr("/", "guidance"), "convolved");
  for (const char* figure : {"source_samples.svg", "source_source.svg", "source_image.svg"})
    EXPECT_EQ(read_bytes(dir_.file(figure)).rfind("<?xml", 0), 0u) << figure;
  // The same seed draws the same samples.
  r = sbi(dir_, reconstruct("", dir_.file("again.h5")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(io::H5File::open_read(dir_.file("again.h5")).read_array("/samples", nullptr),
            f.read_array("/samples", nullptr));
}

TEST_F(ReconstructCli, RefusesBadInputAndNeverReplacesAnInput) {
  // The output is the observation: refused, the observation intact.
  const std::string before = read_bytes(obs_);
  CliRun r = sbi(dir_, "reconstruct --prior " + prior_ + " --observation " + obs_ + " --lens " + obs_ + " " +
                           kInstrument + " --num 2 --sde-steps 5 --out " + obs_);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("it is the input file"), std::string::npos) << r.err;
  EXPECT_EQ(read_bytes(obs_), before);
  const std::string out = dir_.file("bad.h5");
  // An image of the wrong size for the instrument.
  r = sbi(dir_, "reconstruct --prior " + prior_ + " --observation " + obs_ + " --lens " + obs_ +
                    " --param npix=16 --num 2 --out " + out);
  expect_clean_failure(dir_, r, "/x has shape (12, 12)", out);
  // A NaN pixel.
  const std::string nan_obs = dir_.file("nan_obs.h5");
  {
    io::H5File f = io::H5File::create(nan_obs);
    std::vector<double> x(144, 0.1);
    x[13] = std::nan("");
    f.write_array("/x", {12, 12}, x);
  }
  r = sbi(dir_, "reconstruct --prior " + prior_ + " --observation " + nan_obs + " --lens " + obs_ + " " +
                    kInstrument + " --num 2 --out " + out);
  expect_clean_failure(dir_, r, "NaN or infinite pixel at (1, 1)", out);
  // A lens file without /theta; a prior that is not one.
  r = sbi(dir_, "reconstruct --prior " + prior_ + " --observation " + obs_ + " --lens " + nan_obs + " " +
                    kInstrument + " --num 2 --out " + out);
  expect_clean_failure(dir_, r, "has no /theta dataset", out);
  r = sbi(dir_, "reconstruct --prior " + images_ + " --observation " + obs_ + " --lens " + obs_ + " " +
                    kInstrument + " --num 2 --out " + out);
  expect_clean_failure(dir_, r, "is not an sbi image prior file", out);
  // Zero noise cannot be a Gaussian likelihood.
  r = sbi(dir_, "reconstruct --prior " + prior_ + " --observation " + obs_ + " --lens " + obs_ +
                    " --param npix=12 --param noise_sigma=0 --num 2 --out " + out);
  expect_clean_failure(dir_, r, "noise sigma 0", out);
  // sbi prior train: images only, score models only.
  const std::string sims = dir_.file("moons.h5");
  ASSERT_EQ(sbi(dir_, "simulate --task two_moons --num 50 --out " + sims).exit_code, 0);
  const std::string prior_out = dir_.file("p.h5");
  r = sbi(dir_, "prior train --data " + sims + " --max-epochs 1 --out " + prior_out);
  expect_clean_failure(dir_, r, "sbi prior train learns images", prior_out);
  r = sbi(dir_, "prior train --data " + images_ + " --estimator nsf --max-epochs 1 --out " + prior_out);
  expect_clean_failure(dir_, r, "trains a score model", prior_out);
  r = sbi(dir_, "prior train --data " + images_ + " --embedding cnn --max-epochs 1 --out " + prior_out);
  expect_clean_failure(dir_, r, "--embedding sets what a score model of images does not have", prior_out);
  r = sbi(dir_, "prior sample --model " + prior_ + " --prior \"uniform(0,1)\" --num 2 --out " + prior_out);
  expect_clean_failure(dir_, r, "one of them", prior_out);
}

}  // namespace
}  // namespace sbi
