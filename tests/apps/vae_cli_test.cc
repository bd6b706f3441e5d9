// `sbi vae` through the command line: train on images, encode (the latents become NPE's x),
// decode, sample, evaluate, plot the images; bad input is one clear error and no output.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "io/h5_file.h"
#include "testing/temp_dir.h"
#include "tests/apps/cli_runner.h"

namespace sbi {
namespace {

class VaeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    images_ = dir_.file("images.h5");
    const CliRun r = sbi(dir_, "simulate --task lensing --param npix=16 --param pixel_scale=0.3 "
                               "--param supersample=1 --num 300 --seed 2 --out " + images_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string train_args(const std::string& extra, const std::string& out) {
    return "vae train --data " + images_ + " --latent 3 --encoder cnn --decoder conv --channels 4,8 "
           "--hidden 16 --max-epochs 3 --seed 1 " + extra + " --out " + out;
  }
  testing::TempDir dir_;
  std::string images_;
};

TEST_F(VaeCli, TrainEncodeDecodeSampleEvaluateAndInferFromTheLatents) {
  const std::string vae = dir_.file("vae.h5");
  CliRun r = sbi(dir_, train_args("--beta-schedule warmup:2", vae));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("beta warmed up linearly to 1 over 2 epochs"), std::string::npos) << r.err;
  {
    io::H5File f = io::H5File::open_read(vae);
    EXPECT_EQ(f.get_string_attr("/", "format"), "sbi-toolkit vae");
    const Eigen::VectorXd beta = f.read_vector("/history/beta");
    ASSERT_EQ(beta.size(), 3);
    EXPECT_EQ(beta[0], 0.5);
    EXPECT_EQ(beta[2], 1.0);
    EXPECT_EQ(f.read_vector("/history/train_rate").size(), 3);
    EXPECT_EQ(f.read_vector("/history/validation_distortion").size(), 3);
  }
  const std::string z = dir_.file("z.h5");
  r = sbi(dir_, "vae encode --model " + vae + " --data " + images_ + " --out " + z);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  {
    io::H5File f = io::H5File::open_read(z);
    EXPECT_EQ(f.shape("/z_mean"), (std::vector<size_t>{300, 3}));
    EXPECT_EQ(f.shape("/z_std"), (std::vector<size_t>{300, 3}));
    EXPECT_EQ(f.shape("/theta"), (std::vector<size_t>{300, 12}));
    EXPECT_EQ(f.read_matrix("/x"), f.read_matrix("/z_mean"));
    EXPECT_GT(f.read_matrix("/z_std").minCoeff(), 0.0);
  }
  // The latents as NPE's summary x.
  r = sbi(dir_, "train --data " + z + " --max-epochs 2 --transforms 2 --hidden 8 --out " + dir_.file("npe.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sbi(dir_, "vae decode --model " + vae + " --latents " + z + " --out " + dir_.file("rec.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(io::H5File::open_read(dir_.file("rec.h5")).shape("/x"), (std::vector<size_t>{300, 16, 16}));
  r = sbi(dir_, "vae sample --model " + vae + " --num 5 --seed 3 --out " + dir_.file("s.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  {
    io::H5File f = io::H5File::open_read(dir_.file("s.h5"));
    EXPECT_EQ(f.shape("/x"), (std::vector<size_t>{5, 16, 16}));
    EXPECT_EQ(f.shape("/z"), (std::vector<size_t>{5, 3}));
  }
  r = sbi(dir_, "vae evaluate --model " + vae + " --data " + images_ + " --iw-samples 8 --out " +
                    dir_.file("eval.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("importance-weighted log-likelihood (K = 8)"), std::string::npos) << r.out;
  EXPECT_EQ(io::H5File::open_read(dir_.file("eval.h5")).shape("/log_likelihood"), (std::vector<size_t>{300}));
  // A grid of the reconstructions.
  r = sbi(dir_, "plot images " + dir_.file("rec.h5") + " --num 6 --columns 3 --out " + dir_.file("rec.svg"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string svg = read_bytes(dir_.file("rec.svg"));
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_GT(std::count(svg.begin(), svg.end(), '\n'), 6 * 16);  // at least a rectangle per image row
}

TEST_F(VaeCli, BadInputIsOneClearErrorAndNoOutput) {
  const std::string out = dir_.file("out.h5");
  expect_clean_failure(dir_, sbi(dir_, train_args("--beta -1", out)), "--beta -1 must be finite and >= 0", out);
  expect_clean_failure(dir_, sbi(dir_, train_args("--target-rate -2", out)),
                       "--target-rate -2 must be finite and > 0", out);
  expect_clean_failure(dir_, sbi(dir_, train_args("--target-rate 5 --beta-schedule warmup:3", out)),
                       "--beta-schedule and --target-rate both set beta", out);
  expect_clean_failure(dir_, sbi(dir_, train_args("--beta-schedule slow:3", out)), "--beta-schedule", out);
  expect_clean_failure(dir_, sbi(dir_, train_args("--likelihood bernoulli", out)),
                       "the Bernoulli likelihood needs values in [0, 1]", out);
  // NaN pixels: the sample and the pixel named.
  {
    io::H5File f = io::H5File::create(dir_.file("nan.h5"));
    std::vector<double> x(4 * 8 * 8, 0.5);
    x[2 * 64 + 9] = std::nan("");
    f.write_array("/x", {4, 8, 8}, x);
  }
  expect_clean_failure(dir_, sbi(dir_, "vae train --data " + dir_.file("nan.h5") + " --out " + out),
                       "/x sample 2 has NaN at entry 9", out);
  // Data of another size than the VAE's.
  const std::string vae = dir_.file("vae.h5");
  ASSERT_EQ(sbi(dir_, train_args("", vae)).exit_code, 0);
  {
    io::H5File f = io::H5File::create(dir_.file("small.h5"));
    f.write_array("/x", {2, 8, 8}, std::vector<double>(128, 0.1));
  }
  expect_clean_failure(dir_, sbi(dir_, "vae encode --model " + vae + " --data " + dir_.file("small.h5") +
                                           " --out " + out),
                       "but " + vae + " was trained on an image of 16 x 16 pixels", out);
  // The model is an input: never its own output.
  const std::string bytes = read_bytes(vae);
  const CliRun r = sbi(dir_, "vae sample --model " + vae + " --num 3 --out " + vae);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(read_bytes(vae), bytes);
  expect_clean_failure(dir_, sbi(dir_, "vae frobnicate --model " + vae + " --out " + out),
                       "unknown vae command 'frobnicate'", out);
}

}  // namespace
}  // namespace sbi
