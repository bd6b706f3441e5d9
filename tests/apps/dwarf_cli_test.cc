// Dwarf-galaxy star sets end to end through `sbi`: simulate (set layout attributes, fixed
// and variable N), train with the DeepSets embedding (per-feature standardisation stored in
// the model), sample for an observed catalogue (N_stars, 2) with extra datasets, padded or
// refused with a clear error; plus the set-data helpers of sbi/ they rely on.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/rng.h"
#include "io/h5_file.h"
#include "nn/deepsets.h"
#include "sbi/model_file.h"
#include "sbi/simulation_data.h"
#include "sbi/standardizer.h"
#include "testing/raw_hdf5.h"
#include "testing/temp_dir.h"
#include "tests/apps/cli_runner.h"

namespace sbi {
namespace {

// A catalogue file as a survey would give it: /x (n, 2) = (R [kpc], v_los [km/s]) of the
// first n stars of simulation `row` of a simulation file, /v_err (n,), and unrelated datasets.
void write_catalogue(const std::string& sims, long row, int n, const std::string& path,
                     bool reversed = false) {
  io::H5File f = io::H5File::open_read(sims);
  const Eigen::MatrixXd x = f.read_matrix("/x");
  const int w = f.get_int_attr("/", "set_masked") ? 3 : 2;
  std::vector<double> table, v_err, ra;
  for (int k = 0; k < n; ++k) {
    const int j = reversed ? n - 1 - k : k;
    table.push_back(x(j * w, row));
    table.push_back(x(j * w + 1, row));
    v_err.push_back(2.0);
    ra.push_back(150.0 + 0.01 * k);
  }
  testing::write_raw_dataset(path, "/x", table, n, 2, /*as_float32=*/false);
  testing::write_raw_dataset(path, "/v_err", v_err, n, 0, false);
  testing::write_raw_dataset(path, "/ra", ra, n, 0, false);  // ignored
}

TEST(DwarfCli, VariableSizeSetsSimulateTrainAndSampleACatalogue) {
  testing::TempDir dir;
  const std::string sims = dir.file("sims.h5"), model = dir.file("model.h5");
  CliRun r = sbi(dir, "simulate --task dwarf --num 600 --seed 1 --param num_stars=30 "
                      "--param num_stars_min=10 --out " + sims);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  {
    io::H5File f = io::H5File::open_read(sims);
    EXPECT_EQ(f.shape("/x"), (std::vector<size_t>{600, 90}));
    EXPECT_EQ(f.get_int_attr("/", "set_size"), 30);
    EXPECT_EQ(f.get_int_attr("/", "set_features"), 2);
    EXPECT_EQ(f.get_int_attr("/", "set_masked"), 1);
    const std::vector<std::int64_t> counts = f.read_int64_vector("/num_stars");
    const Eigen::MatrixXd x = f.read_matrix("/x");
    for (int i : {0, 17, 599}) {
      EXPECT_GE(counts[i], 10);
      EXPECT_LE(counts[i], 30);
      EXPECT_EQ(x(3 * (counts[i] - 1) + 2, i), 1.0);
      if (counts[i] < 30) {
        EXPECT_EQ(x(3 * counts[i] + 2, i), 0.0);
      }
    }
  }
  r = sbi(dir, "train --data " + sims + " --out " + model + " --embedding deepsets --pooling mean+sum "
               "--embedding-hidden 16 --embedding-dim 8 --max-epochs 2 --patience 0 --seed 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("x is a set of 30 rows of 2 features (variable size"), std::string::npos) << r.err;
  {
    const PosteriorModel m = load_model(model);
    EXPECT_EQ(m.embedding->kind(), "deepsets");
    EXPECT_EQ(m.x_shape, (core::DataShape::set(30, 2, true)));
    EXPECT_EQ(m.embedding->hyperparameters().get_enum_name("pooling", nn::pooling_names()), "mean+sum");
    // Per-feature statistics: the same for every star; flags untouched.
    for (int j = 1; j < 30; ++j) {
      EXPECT_EQ(m.x_norm.mean[3 * j], m.x_norm.mean[0]);
      EXPECT_EQ(m.x_norm.std[3 * j + 1], m.x_norm.std[1]);
      EXPECT_EQ(m.x_norm.mean[3 * j + 2], 0.0);
      EXPECT_EQ(m.x_norm.std[3 * j + 2], 1.0);
    }
    EXPECT_GT(m.x_norm.std[1], 1.0);  // v_los spread in km/s
  }
  // An observed catalogue of 12 stars (fewer than 30): padded and masked.
  write_catalogue(sims, 3, 12, dir.file("obs.h5"));
  write_catalogue(sims, 3, 12, dir.file("obs_reversed.h5"), /*reversed=*/true);
  r = sbi(dir, "sample --model " + model + " --observation " + dir.file("obs.h5") +
               " --num 300 --seed 5 --out " + dir.file("post.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("one catalogue of 12 rows (stars), padded and masked"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/v_err has median 2"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("gamma"), std::string::npos) << r.out;
  // The same stars in the opposite order give the same posterior: tied standardisation and
  // DeepSets pooling are permutation invariant (only summation order differs).
  ASSERT_EQ(sbi(dir, "sample --model " + model + " --observation " + dir.file("obs_reversed.h5") +
                         " --num 300 --seed 5 --out " + dir.file("post_reversed.h5")).exit_code, 0);
  std::vector<size_t> shape;
  const auto a = io::H5File::open_read(dir.file("post.h5")).read_array("/posterior/gamma", &shape);
  const auto b = io::H5File::open_read(dir.file("post_reversed.h5")).read_array("/posterior/gamma", &shape);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-9);
  // Too many stars for the model: a clear error.
  write_catalogue(sims, 3, 12, dir.file("big.h5"));
  {
    std::vector<double> big(2 * 31, 0.5);
    testing::write_raw_dataset(dir.file("big31.h5"), "/x", big, 31, 2, false);
  }
  expect_clean_failure(dir, sbi(dir, "sample --model " + model + " --observation " + dir.file("big31.h5") +
                                    " --out " + dir.file("p.h5")),
                       "has 31 rows (stars), but the model takes sets of at most 30", dir.file("p.h5"));
}

TEST(DwarfCli, FixedSizeModelNeedsExactlyItsSetSize) {
  testing::TempDir dir;
  const std::string sims = dir.file("sims.h5"), model = dir.file("model.h5");
  ASSERT_EQ(sbi(dir, "simulate --task dwarf --num 300 --seed 3 --param num_stars=20 --param v_err=0 --out " + sims).exit_code, 0);
  EXPECT_EQ(io::H5File::open_read(sims).get_int_attr("/", "set_masked"), 0);
  // Without --embedding deepsets it still trains (the flat vector), with a hint.
  CliRun r = sbi(dir, "train --data " + sims + " --out " + model + " --max-epochs 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("hint: --embedding deepsets"), std::string::npos) << r.err;
  write_catalogue(sims, 0, 20, dir.file("obs20.h5"));
  ASSERT_EQ(sbi(dir, "sample --model " + model + " --observation " + dir.file("obs20.h5") +
                         " --num 50 --out " + dir.file("p20.h5")).exit_code, 0);
  write_catalogue(sims, 0, 15, dir.file("obs15.h5"));
  expect_clean_failure(dir, sbi(dir, "sample --model " + model + " --observation " + dir.file("obs15.h5") +
                                    " --out " + dir.file("p15.h5")),
                       "has 15 rows (stars), but the model was trained on sets of exactly 20",
                       dir.file("p15.h5"));
  // deepsets on data that is not a set is refused before training.
  testing::write_raw_dataset(dir.file("plain.h5"), "/theta", {1, 2, 3, 4, 5, 6}, 3, 2, false);
  testing::write_raw_dataset(dir.file("plain.h5"), "/x", {1, 2, 3, 4, 5, 6}, 3, 2, false);
  expect_clean_failure(dir, sbi(dir, "train --data " + dir.file("plain.h5") + " --embedding deepsets --out " +
                                    dir.file("m.h5")),
                       "the deepsets embedding needs set data", dir.file("m.h5"));
}

TEST(DwarfSetData, UsersCountsLayoutWithNanPaddingBecomesMasked) {
  // A user's own file: /x (N, S*2) padded with NaN after each set's n stars, /num_stars (N,).
  testing::TempDir dir;
  const std::string path = dir.file("mine.h5");
  const int n = 40, s = 5;
  core::Rng rng(1);
  std::vector<double> theta, x, counts;
  for (int i = 0; i < n; ++i) {
    theta.push_back(rng.normal());
    const int c = 1 + i % s;
    counts.push_back(c);
    for (int j = 0; j < s; ++j) {
      x.push_back(j < c ? 1 + j : NAN);
      x.push_back(j < c ? 10.0 * (i % 3) : NAN);
    }
  }
  testing::write_raw_dataset(path, "/theta", theta, n, 1, false);
  testing::write_raw_dataset(path, "/x", x, n, 2 * s, true);
  {
    io::H5File f = io::H5File::open_read_write(path);
    std::vector<std::int64_t> c(counts.begin(), counts.end());
    f.write_int64_vector("/num_stars", c);
    f.set_attr("/", "set_size", s);
    f.set_attr("/", "set_features", 2);
  }
  const SimulationData d = load_simulations(path, NonFinitePolicy::kError);
  EXPECT_EQ(d.x_shape, (core::DataShape::set(5, 2, true)));
  ASSERT_EQ(d.x.rows(), 15);
  EXPECT_EQ(d.x.col(1), (Eigen::VectorXd(15) << 1, 10, 1, 2, 10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0).finished());
  EXPECT_EQ(d.data_names[2], "m_0");
  // Tied standardisation over present rows only (the NaN padding never enters): R takes the
  // values 1..c in sets of c = 1..5 rows, 8 sets each, so R = 1 in 40 rows, 2 in 32, 3 in 24,
  // 4 in 16, 5 in 8 (120 rows): median 2 (row 60 or 61 of 120 sorted), |R - 2| has 32 zeros
  // and 64 ones: median 1, scale 1.4826. v takes 0, 10, 20: median 10, MAD 10.
  const Standardizer z = Standardizer::fit(d.x, d.x_shape);
  EXPECT_EQ(z.mean[0], 2.0);
  EXPECT_NEAR(z.std[0], 1.482602218505602, 1e-15);
  EXPECT_EQ(z.mean[1], 10.0);
  EXPECT_NEAR(z.std[1], 14.82602218505602, 1e-13);
  EXPECT_EQ(z.mean[3], z.mean[0]);
  EXPECT_EQ(z.std[13], z.std[1]);
  EXPECT_EQ(z.mean[2], 0.0);
  EXPECT_EQ(z.std[2], 1.0);
  // Plain data keeps per-dimension statistics.
  const Standardizer plain = Standardizer::fit(d.x);
  EXPECT_NE(plain.mean[3], plain.mean[0]);
}

TEST(DwarfSetData, ObservationsFlatOrCatalogue) {
  testing::TempDir dir;
  const core::DataShape fixed = core::DataShape::set(3, 2, false), masked = core::DataShape::set(3, 2, true);
  // A catalogue of 2 stars for a masked model: rows then padding.
  testing::write_raw_dataset(dir.file("cat.h5"), "/x", {0.1, 5, 0.2, -3}, 2, 2, false);
  ObservationInfo info;
  Eigen::MatrixXd x = load_observations(dir.file("cat.h5"), 9, masked, &info);
  EXPECT_EQ(x, (Eigen::MatrixXd(9, 1) << 0.1, 5, 1, 0.2, -3, 1, 0, 0, 0).finished());
  EXPECT_TRUE(info.catalogue);
  EXPECT_EQ(info.rows, 2);
  EXPECT_FALSE(info.has_v_err);
  // Flat observations keep working: (K, D) with D = set_size * row width.
  testing::write_raw_dataset(dir.file("flat.h5"), "/x", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 6, false);
  x = load_observations(dir.file("flat.h5"), 6, fixed, &info);
  EXPECT_EQ(x.cols(), 2);
  EXPECT_FALSE(info.catalogue);
  // A catalogue with a wrong /v_err length is an error naming both.
  testing::write_raw_dataset(dir.file("cat.h5"), "/v_err", {2, 2, 2}, 3, 0, false);
  try {
    load_observations(dir.file("cat.h5"), 9, masked);
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/v_err has 3 entries but the catalogue /x has 2 rows"),
              std::string::npos) << e.what();
  }
  // A wrong width mentions the catalogue form.
  testing::write_raw_dataset(dir.file("w.h5"), "/x", {1, 2, 3, 4, 5}, 5, 0, false);
  try {
    load_observations(dir.file("w.h5"), 6, fixed);
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("or give one catalogue of shape (N_rows, 2), N_rows = 3"),
              std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sbi
