// `sbi cosmo`: the theory file's layout, units and values against the cosmology library
// (P(k, z), growth, σ8, Limber C_ℓ), and one clear error line per bad input with no file left.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "io/h5_file.h"
#include "nn/cnn_embedding.h"
#include "sbi/model_file.h"
#include "simulators/cosmology/convergence.h"
#include "simulators/cosmology/power_spectrum.h"
#include "testing/temp_dir.h"
#include "tests/apps/cli_runner.h"

namespace sbi {
namespace {

namespace cosmo = simulators::cosmology;

const std::string kCosmology = "--omega-m 0.31 --omega-b 0.049 --h 0.68 --sigma8 0.81 --ns 0.965 ";

TEST(CosmoCli, WritesPkGrowthAndClThatMatchTheLibrary) {
  testing::TempDir dir;
  const std::string out = dir.file("theory.h5");
  const CliRun r = sbi(dir, "cosmo " + kCosmology + "--w0 -0.9 --z 0,0.5,2 --kmin 1e-3 --kmax 10 --nk 41 "
                            "--source-z 1 --ell-min 10 --ell-max 5000 --nell 30 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  io::H5File f = io::H5File::open_read(out);
  EXPECT_EQ(f.shape("/k"), (std::vector<size_t>{41}));
  EXPECT_EQ(f.shape("/z"), (std::vector<size_t>{3}));
  EXPECT_EQ(f.shape("/pk"), (std::vector<size_t>{3, 41}));
  EXPECT_EQ(f.shape("/growth"), (std::vector<size_t>{3}));
  EXPECT_EQ(f.shape("/ell"), (std::vector<size_t>{30}));
  EXPECT_EQ(f.shape("/cl_kappa"), (std::vector<size_t>{30}));
  EXPECT_EQ(f.get_string_attr("/k", "units"), "h/Mpc");
  EXPECT_EQ(f.get_string_attr("/pk", "units"), "(Mpc/h)^3");
  EXPECT_EQ(f.get_string_attr("/growth", "units"), "dimensionless");
  EXPECT_EQ(f.get_string_attr("/", "transfer"), "eh");
  EXPECT_EQ(f.dimension_names("/pk"), (std::vector<std::string>{"z", "k"}));
  EXPECT_EQ(f.get_double_attr("/", "sigma8"), 0.81);
  EXPECT_EQ(f.get_double_attr("/", "w0"), -0.9);
  EXPECT_EQ(f.get_double_attr("/", "t_cmb"), 2.725);
  EXPECT_NE(f.get_string_attr("/", "command_line").find("sbi cosmo"), std::string::npos);

  cosmo::Cosmology c;
  c.omega_m = 0.31, c.omega_b = 0.049, c.h = 0.68, c.sigma8 = 0.81, c.n_s = 0.965, c.w0 = -0.9;
  const cosmo::LinearPowerSpectrum power(c);
  // σ8 recomputed from the normalised spectrum equals the input (the library's own accuracy).
  EXPECT_NEAR(f.get_double_attr("/", "sigma8_computed"), 0.81, 0.81 * 1e-6);
  EXPECT_NEAR(power.sigma_r(8.0), 0.81, 0.81 * 1e-6);

  const Eigen::VectorXd k = f.read_vector("/k"), z = f.read_vector("/z"), g = f.read_vector("/growth");
  EXPECT_DOUBLE_EQ(k[0], 1e-3);
  EXPECT_DOUBLE_EQ(k[40], 10.0);
  for (int j = 1; j < 41; ++j) EXPECT_NEAR(std::log(k[j] / k[j - 1]), std::log(10.0) / 10, 1e-12);
  EXPECT_EQ(z, Eigen::Vector3d(0, 0.5, 2));
  EXPECT_EQ(g[0], 1.0);  // D(0) / D(0)
  EXPECT_LT(g[2], g[1]);
  EXPECT_LT(g[1], 1.0);
  std::vector<size_t> shape;
  const std::vector<double> pk = f.read_array("/pk", &shape);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(g[i], power.growth().normalised_at_z(z[i]), 1e-15);
    for (int j = 0; j < 41; ++j) {
      const double expected = power(k[j], z[i]);
      EXPECT_NEAR(pk[i * 41 + j], expected, 1e-13 * expected) << i << " " << j;
      // P(k, z) = P(k, 0) D(z)²: the growth column and the spectrum agree.
      EXPECT_NEAR(pk[i * 41 + j], pk[j] * g[i] * g[i], 1e-12 * expected);
    }
  }
  const cosmo::ConvergenceSpectrum spectrum(power, 1.0);
  const Eigen::VectorXd ell = f.read_vector("/ell"), cl = f.read_vector("/cl_kappa");
  EXPECT_DOUBLE_EQ(ell[0], 10.0);
  EXPECT_DOUBLE_EQ(ell[29], 5000.0);
  for (int i = 0; i < 30; ++i) EXPECT_NEAR(cl[i], spectrum(ell[i]), 1e-13 * spectrum(ell[i]));
  EXPECT_EQ(f.get_double_attr("/cl_kappa", "source_redshift"), 1.0);
}

// Convergence maps as image-shaped x through the whole command line: simulate writes
// (N, n, n), train standardises per map and embeds with flatten + MLP, sample reads an
// observed map (n, n).
TEST(CosmoCli, MapsSimulateTrainAndSampleAsImages) {
  testing::TempDir dir;
  const std::string d = dir.path().string() + "/";
  CliRun r = sbi(dir, "simulate --task cosmo_field --param summary=map --param pixels=16 --num 400 "
                      "--seed 1 --out " + d + "maps.h5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(io::H5File::open_read(d + "maps.h5").shape("/x"), (std::vector<size_t>{400, 16, 16}));
  r = sbi(dir, "train --data " + d + "maps.h5 --out " + d + "model.h5 --embedding mlp --max-epochs 2 "
               "--patience 0 --hidden 16 --transforms 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  {
    io::H5File f = io::H5File::open_read(d + "maps.h5");
    std::vector<size_t> shape;
    const std::vector<double> maps = f.read_array("/x", &shape);
    io::H5File obs = io::H5File::create(d + "obs.h5");
    obs.write_array("/x", {16, 16}, std::vector<double>(maps.begin(), maps.begin() + 256));
  }
  r = sbi(dir, "sample --model " + d + "model.h5 --observation " + d + "obs.h5 --num 100 --out " +
               d + "post.h5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(io::H5File::open_read(d + "post.h5").shape("/posterior/omega_m"),
            (std::vector<size_t>{1, 100, 1}));

  // The same maps through a convolutional embedding, with every cnn flag.
  r = sbi(dir, "train --data " + d + "maps.h5 --out " + d + "cnn.h5 --embedding cnn --cnn-channels 4,8 "
               "--cnn-kernel 5 --cnn-pooling max --cnn-readout mean --embedding-hidden 16 "
               "--max-epochs 2 --patience 0 --hidden 16 --transforms 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nn::CnnOptions cnn =
      static_cast<const nn::CnnEmbedding&>(*load_model(d + "cnn.h5").embedding).options();
  EXPECT_EQ(cnn.block_channels, (std::vector<int>{4, 8}));
  EXPECT_EQ(cnn.kernel, 5);
  EXPECT_EQ(cnn.pooling, nn::ImagePooling::kMax);
  EXPECT_EQ(cnn.readout, nn::CnnReadout::kMean);
  EXPECT_EQ(cnn.hidden, 16);
  EXPECT_EQ(cnn.height, 16);
  r = sbi(dir, "sample --model " + d + "cnn.h5 --observation " + d + "obs.h5 --num 100 --out " +
               d + "post_cnn.h5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // A map of another size is refused by name; vector data cannot take a cnn.
  {
    io::H5File obs = io::H5File::create(d + "obs12.h5");
    obs.write_array("/x", {12, 12}, std::vector<double>(144, 0.01));
  }
  r = sbi(dir, "sample --model " + d + "cnn.h5 --observation " + d + "obs12.h5 --num 10 --out " +
               d + "bad.h5");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("16 x 16"), std::string::npos) << r.err;
  r = sbi(dir, "simulate --task two_moons --num 50 --seed 1 --out " + d + "moons.h5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sbi(dir, "train --data " + d + "moons.h5 --out " + d + "bad.h5 --embedding cnn");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("the cnn embedding needs image data"), std::string::npos) << r.err;
  r = sbi(dir, "train --data " + d + "maps.h5 --out " + d + "bad.h5 --embedding cnn "
               "--cnn-channels 4,x");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--cnn-channels expects comma-separated integers, got '4,x'"),
            std::string::npos) << r.err;
}

TEST(CosmoCli, NoWiggleFormAndDefaults) {
  testing::TempDir dir;
  const std::string a = dir.file("eh.h5"), b = dir.file("nw.h5");
  ASSERT_EQ(sbi(dir, "cosmo " + kCosmology + "--out " + a).exit_code, 0);
  const CliRun r = sbi(dir, "cosmo " + kCosmology + "--transfer eh_nowiggle --out " + b);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  io::H5File fa = io::H5File::open_read(a), fb = io::H5File::open_read(b);
  EXPECT_EQ(fb.get_string_attr("/", "transfer"), "eh_nowiggle");
  EXPECT_EQ(fa.shape("/pk"), (std::vector<size_t>{1, 41}));  // --z 0, --nk 41 by default
  EXPECT_FALSE(fa.has("/cl_kappa"));
  std::vector<size_t> shape;
  const std::vector<double> pa = fa.read_array("/pk", &shape), pb = fb.read_array("/pk", &shape);
  // Same σ8 and large-scale limit; the wiggles move P by a few per cent around k ~ 0.1 h/Mpc.
  EXPECT_NEAR(pb[0] / pa[0], 1.0, 0.03);
  double most = 0;
  for (int j = 0; j < 41; ++j) most = std::max(most, std::abs(pb[j] / pa[j] - 1));
  EXPECT_GT(most, 0.01);
  EXPECT_LT(most, 0.2);
}

TEST(CosmoCli, BadInputGivesOneErrorLineAndNoFile) {
  testing::TempDir dir;
  const std::string out = dir.file("theory.h5");
  struct Case {
    std::string args, expected;
  };
  const std::string rest = "--h 0.7 --ns 0.96 ";
  const Case cases[] = {
      {"--omega-m 0 --omega-b 0.04 --sigma8 0.8 " + rest, "--omega-m: omega_m = 0 must be in (0, 1]"},
      {"--omega-m 0.3 --omega-b 0.04 --sigma8 -0.8 " + rest, "--sigma8: sigma8 = -0.8 must be finite and > 0"},
      {"--omega-m 0.3 --omega-b 0.4 --sigma8 0.8 " + rest, "--omega-b: omega_b = 0.4 must be < omega_m = 0.3"},
      {"--omega-m 0.3 --omega-b 0.04 --sigma8 0.8 " + rest + "--kmax 200",
       "--kmax 200 is outside the Eisenstein & Hu fit's range [1e-05, 100] h/Mpc"},
      {"--omega-m 0.3 --omega-b 0.04 --sigma8 0.8 " + rest + "--kmin 1e-7", "--kmin 1e-7 must lie in"},
      {"--omega-m 0.3 --omega-b 0.04 --sigma8 0.8 " + rest + "--kmin 2 --kmax 1", "and be < --kmax"},
      {"--omega-m 0.3 --omega-b 0.04 --sigma8 0.8 " + rest + "--nk 1", "--nk 1 must be in [2, 1000000]"},
      {"--omega-m 0.3 --omega-b 0.04 --sigma8 0.8 " + rest + "--z 0,a,1", "--z expects comma-separated"},
      {"--omega-m 0.3 --omega-b 0.04 --sigma8 0.8 " + rest + "--z 0,-1", "--z expects comma-separated"},
      {"--omega-m 0.3 --omega-b 0.04 --sigma8 0.8 " + rest + "--z 0,", "--z expects comma-separated"},
      {"--omega-m 0.3 --omega-b 0.04 --sigma8 0.8 " + rest + "--transfer bbks", "--transfer must be eh"},
      {"--omega-m 0.3 --omega-b 0.04 --sigma8 0.8 " + rest + "--nell 10", "--nell needs --source-z"},
      {"--omega-m 0.3 --omega-b 0.04 --sigma8 0.8 " + rest + "--source-z 0", "--source-z 0 must be in (0, 20]"},
      {"--omega-m 0.3 --omega-b 0.04 " + rest, "missing required flag --sigma8"},
      {"--omega-m 0.3 --omega-b 0.04 --sigma8 x " + rest, "--sigma8 expects a number, got 'x'"},
  };
  for (const Case& c : cases) {
    const CliRun r = sbi(dir, "cosmo " + c.args + " --out " + out);
    EXPECT_EQ(r.exit_code, 1) << c.args;
    EXPECT_EQ(r.err.rfind("sbi: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << c.args;
  }
}

}  // namespace
}  // namespace sbi
