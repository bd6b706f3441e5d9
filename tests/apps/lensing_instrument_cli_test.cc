// A real observation comes with its instrument (issue 12): an observation file holding /x
// beside /psf (a non-Gaussian PSF image), /noise_map (per-pixel σ) and /mask (1 = use the
// pixel). The simulator takes the PSF and the noise of that file (--param psf_file=,
// noise_file=), `sbi train --mask` the mask, and the posterior at the observation recovers
// the lens's θ_E and q; the pixels under the mask (a hot column, a bright neighbour) change
// neither the posterior draws of `sbi sample` nor the MAP of `sbi map`.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/prior.h"
#include "core/rng.h"
#include "io/h5_file.h"
#include "testing/temp_dir.h"
#include "tests/apps/cli_runner.h"

namespace sbi {
namespace {

// 24 x 24 pixels of 0.2": the 4.8" field of the task's default (48 at 0.1"), for which its
// default prior keeps the critical curves inside the image, at a quarter of the pixels.
constexpr int kNpix = 24;
constexpr int kPsfSide = 7;
constexpr int kNumSimulations = 4000;
const std::string kInstrument = "--param npix=24 --param pixel_scale=0.2 --param supersample=2 ";

// The truth: a lens in the middle of the default prior (θ in the task's order: theta_E, q,
// phi, gamma1, gamma2, src_x, src_y, src_reff, src_n, src_q, src_phi, src_amp).
const std::vector<double> kTruth = {1.0, 0.75, 0.6, 0.03, -0.02, 0.1,
                                    -0.05, 0.3, 1.5, 0.7, 1.0, 6.0};

// The training prior: θ_E and q over their whole default ranges, the ten nuisance parameters
// (orientation, shear, source) within ±1% of the truth, as if known from other data. Why:
// at a CI budget (4000 images of 24 x 24) NPE learns θ_E from these images but not q while
// the nuisances roam (measured with this instrument and pretraining: over the default
// prior, q's 95% interval is [0.51, 0.99], the prior's), although q changes the image by
// far more than the noise; the check on q would be vacuous. With the nuisances pinned the
// model measures q: its 95% interval is 0.025 wide here (θ_E's 0.015); trained without
// regression pretraining of the CNN (--pretrain-epochs) for 60 epochs it was 0.17 wide.
std::string training_prior() {
  std::string spec = "uniform(0.5,1.5),uniform(0.5,1)";
  for (size_t i = 2; i < kTruth.size(); ++i) {
    char marginal[64];
    std::snprintf(marginal, sizeof marginal, ",uniform(%.17g,%.17g)",
                  kTruth[i] - 0.01 * std::abs(kTruth[i]),
                  kTruth[i] + 0.01 * std::abs(kTruth[i]));
    spec += marginal;
  }
  return spec;
}

bool masked(int r, int c) { return c == 17 || (r >= 19 && c >= 19); }  // bad column, top corner

// A two-component PSF: an elliptical core (σ 1.0 and 0.6 pixels, major axis at 30°) with 75%
// of the light and a round halo (σ 1.6 pixels) offset by (+1, +0.5) pixels with 25%,
// normalised to sum 1 on 7 x 7 pixels. Neither a Gaussian nor symmetric.
std::vector<double> psf_image() {
  std::vector<double> psf(kPsfSide * kPsfSide);
  const double a = 30.0 * M_PI / 180.0, h = kPsfSide / 2;
  double sum = 0;
  for (int r = 0; r < kPsfSide; ++r)
    for (int c = 0; c < kPsfSide; ++c) {
      const double x = c - h, y = r - h;
      const double u = std::cos(a) * x + std::sin(a) * y, v = -std::sin(a) * x + std::cos(a) * y;
      const double core = std::exp(-0.5 * (u * u / 1.0 + v * v / 0.36)) / (2 * M_PI * 0.6);
      const double dx = x - 1.0, dy = y - 0.5;
      const double halo = std::exp(-0.5 * (dx * dx + dy * dy) / 2.56) / (2 * M_PI * 2.56);
      psf[r * kPsfSide + c] = 0.75 * core + 0.25 * halo;
      sum += psf[r * kPsfSide + c];
    }
  for (double& p : psf) p /= sum;
  return psf;
}

// σ rising from 0.05 at the bottom left to 0.25 at the top right (row = y, column = x).
std::vector<double> noise_map() {
  std::vector<double> sigma(kNpix * kNpix);
  for (int r = 0; r < kNpix; ++r)
    for (int c = 0; c < kNpix; ++c)
      sigma[r * kNpix + c] = 0.05 + 0.15 * c / (kNpix - 1.0) + 0.05 * r / (kNpix - 1.0);
  return sigma;
}

std::vector<double> mask_values() {
  std::vector<double> mask(kNpix * kNpix);
  for (int r = 0; r < kNpix; ++r)
    for (int c = 0; c < kNpix; ++c) mask[r * kNpix + c] = masked(r, c) ? 0.0 : 1.0;
  return mask;
}

// The observation file: /x (the mock image, with `spoil` in every masked pixel), /psf,
// /noise_map, /mask, and /theta, the truth, which `sbi sample` prints.
void write_observation(const std::string& path, std::vector<double> image, double spoil) {
  for (int r = 0; r < kNpix; ++r)
    for (int c = 0; c < kNpix; ++c)
      if (masked(r, c)) image[r * kNpix + c] = spoil + 0.1 * (r + c);
  io::H5File f = io::H5File::create(path);
  f.write_array("/x", {kNpix, kNpix}, image);
  f.write_array("/psf", {kPsfSide, kPsfSide}, psf_image());
  f.write_array("/noise_map", {kNpix, kNpix}, noise_map());
  f.write_array("/mask", {kNpix, kNpix}, mask_values());
  f.write_array("/theta", {kTruth.size()}, kTruth);
}

// The 2.5% and 97.5% quantiles of /posterior/<name> (one chain, one observation).
std::pair<double, double> interval95(const std::string& posterior, const std::string& name) {
  std::vector<size_t> shape;
  std::vector<double> v = io::H5File::open_read(posterior).read_array("/posterior/" + name, &shape);
  std::sort(v.begin(), v.end());
  const auto at = [&](double p) { return v[static_cast<size_t>(p * (v.size() - 1))]; };
  return {at(0.025), at(0.975)};
}

TEST(LensingInstrumentCli, RecoversThetaEAndQFromAnObservationFileWithPsfNoiseMapAndMask) {
  const auto start = std::chrono::steady_clock::now();
  testing::TempDir dir;
  const std::string instrument = dir.file("instrument.h5"), truth = dir.file("truth.h5"),
                    mock = dir.file("mock.h5"), obs = dir.file("obs.h5"),
                    sims = dir.file("sims.h5"), model = dir.file("model.h5"),
                    post = dir.file("post.h5");
  // 1. The mock lens, observed through the instrument.
  {
    io::H5File f = io::H5File::create(instrument);
    f.write_array("/psf", {kPsfSide, kPsfSide}, psf_image());
    f.write_array("/noise_map", {kNpix, kNpix}, noise_map());
    io::H5File t = io::H5File::create(truth);
    t.write_array("/theta", {1, kTruth.size()}, kTruth);
  }
  CliRun r = sbi(dir, "simulate --task lensing " + kInstrument + "--param psf_file=" + instrument +
                          " --param noise_file=" + instrument + " --theta " + truth +
                          " --seed 7 --out " + mock);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<size_t> shape;
  const std::vector<double> image = io::H5File::open_read(mock).read_array("/x", &shape);
  ASSERT_EQ(shape, (std::vector<size_t>{1, kNpix, kNpix}));
  // A hot column and a bright neighbour where the mask says so.
  write_observation(obs, image, 40.0);

  // 2. Training simulations with the observation file's PSF and noise, and the model with
  // its mask.
  {
    core::Rng rng(1);
    io::H5File f = io::H5File::create(dir.file("train_theta.h5"));
    f.write_matrix("/theta", core::Prior::parse(training_prior()).sample(kNumSimulations, &rng));
  }
  r = sbi(dir, "simulate --task lensing " + kInstrument + "--param psf_file=" + obs +
                   " --param noise_file=" + obs + " --theta " + dir.file("train_theta.h5") +
                   " --seed 1 --out " + sims);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sbi(dir, "train --data " + sims + " --out " + model + " --mask " + obs + " --prior \"" +
                   training_prior() + "\" --embedding cnn --cnn-channels 8,16 "
                   "--embedding-hidden 64 --embedding-dim 16 --estimator nsf --transforms 4 "
                   "--hidden 64 --pretrain-epochs 15 --max-epochs 30 --seed 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const int used = kNpix * kNpix - kNpix - 5 * 5;  // the column (17) misses the corner (19..23)
  EXPECT_NE(r.err.find("mask (from " + obs + "): " + std::to_string(used) +
                       " of 576 pixels of x used"),
            std::string::npos) << r.err;
  {
    io::H5File f = io::H5File::open_read(model);
    EXPECT_EQ(f.get_string_attr("/normalization/x_mask", "source"), obs);
    EXPECT_EQ(f.get_int_attr("/normalization/x_mask", "pixels_used"), used);
  }

  // 3. The posterior at the observation. The check: θ_E and q truths inside their central
  // 95% intervals. For a calibrated posterior each misses with probability 5%, one of the
  // two with at most 10% over random seeds; with these fixed seeds the outcome is fixed, so
  // the test fails only when a change moves the model. A real fault misses by many widths:
  // trained without --mask (4000 x 30), the hot column and the neighbour pulled the
  // posterior to θ_E = 1.156 ± 0.003 and q = 0.94 ± 0.05, truths 1 and 0.75.
  r = sbi(dir, "sample --model " + model + " --observation " + obs +
                   " --num 4000 --seed 3 --out " + post);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto theta_e = interval95(post, "theta_E"), q = interval95(post, "q");
  std::fprintf(stderr, "theta_E 95%%: [%.3f, %.3f] (truth %.3f); q 95%%: [%.3f, %.3f] (truth "
               "%.3f)\n", theta_e.first, theta_e.second, kTruth[0], q.first, q.second, kTruth[1]);
  EXPECT_LT(theta_e.first, kTruth[0]);
  EXPECT_GT(theta_e.second, kTruth[0]);
  EXPECT_LT(q.first, kTruth[1]);
  EXPECT_GT(q.second, kTruth[1]);
  // Not vacuous: the intervals are much narrower than the priors' central 95% (θ_E: 0.95 of
  // U(0.5, 1.5); q: 0.475 of U(0.5, 1)), under a third for θ_E (the ring's radius), under a
  // fifth for q (measured 0.015 and 0.025 wide).
  EXPECT_LT(theta_e.second - theta_e.first, 0.3);
  EXPECT_LT(q.second - q.first, 0.095);

  // The same observation with other values under the mask: the same draws, bit for bit.
  write_observation(dir.file("obs_other.h5"), image, -7.0);
  r = sbi(dir, "sample --model " + model + " --observation " + dir.file("obs_other.h5") +
                   " --num 4000 --seed 3 --out " + dir.file("post_other.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const std::string name : {"theta_E", "q", "src_amp"}) {
    std::vector<size_t> s1, s2;
    const io::H5File a = io::H5File::open_read(post);
    const io::H5File b = io::H5File::open_read(dir.file("post_other.h5"));
    EXPECT_EQ(a.read_array("/posterior/" + name, &s1), b.read_array("/posterior/" + name, &s2))
        << name;
  }
  // sbi map conditions through the same model: one MAP for both files, inside the intervals.
  r = sbi(dir, "map --model " + model + " --observation " + obs + " --out " + dir.file("map.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sbi(dir, "map --model " + model + " --observation " + dir.file("obs_other.h5") + " --out " +
                   dir.file("map_other.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Eigen::MatrixXd map = io::H5File::open_read(dir.file("map.h5")).read_matrix("/theta", 12);
  EXPECT_EQ(map, io::H5File::open_read(dir.file("map_other.h5")).read_matrix("/theta", 12));
  EXPECT_GT(map(0, 0), theta_e.first);
  EXPECT_LT(map(0, 0), theta_e.second);
  EXPECT_GT(map(1, 0), q.first);
  EXPECT_LT(map(1, 0), q.second);

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "lensing instrument round trip: %.1f s\n", seconds);

  // 4. Errors: the mask file is an input (never the output), a mask of another size.
  const std::string obs_bytes = read_bytes(obs);
  r = sbi(dir, "train --data " + sims + " --out " + obs + " --mask " + obs + " --max-epochs 1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("obs.h5"), std::string::npos) << r.err;
  EXPECT_EQ(read_bytes(obs), obs_bytes);
  {
    io::H5File f = io::H5File::create(dir.file("mask20.h5"));
    f.write_array("/mask", {20, 20}, std::vector<double>(400, 1.0));
  }
  r = sbi(dir, "train --data " + sims + " --out " + dir.file("bad.h5") + " --mask " +
                   dir.file("mask20.h5") + " --max-epochs 1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("--mask " + dir.file("mask20.h5") + ": /mask has shape (20, 20), but x is "
                       "an image of 24 x 24 pixels, whose per-pixel maps have shape (24, 24)"),
            std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("bad.h5")));
}

}  // namespace
}  // namespace sbi
