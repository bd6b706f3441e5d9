// posterior.h5: the POSTERIOR_FORMAT.md layout, checked with our reader, raw HDF5, ncdump and
// xarray (the last two are skipped when not installed).
#include "io/posterior_file.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "io/h5_file.h"
#include "testing/temp_dir.h"
#include "tests/io/error_message.h"
#include "tests/io/raw_h5.h"

namespace sbi::io {
namespace {

using testing::contains;
using testing::error_message;

constexpr int kD = 2, kM = 50, kK = 3, kXDim = 4;

// Irregular values (not short decimals) so that "exactly" means every bit.
PosteriorDraws example_draws() {
  PosteriorDraws p;
  p.parameter_names = {"alpha", "beta"};
  p.latex_labels = {"\\alpha", "\\beta\\ [\\mathrm{km/s}]"};
  for (int k = 0; k < kK; ++k) {
    Eigen::MatrixXd s(kD, kM);
    Eigen::VectorXd lp(kM);
    for (int m = 0; m < kM; ++m) {
      for (int d = 0; d < kD; ++d) s(d, m) = std::sin(1.0 + d + 7.0 * m + 13.0 * k) * (k + 1);
      lp(m) = -0.5 * s.col(m).squaredNorm() - std::log(2 * M_PI);
    }
    p.samples.push_back(s);
    p.log_prob.push_back(lp);
  }
  p.observed_x.resize(kXDim, kK);
  for (int k = 0; k < kK; ++k) {
    for (int j = 0; j < kXDim; ++j) p.observed_x(j, k) = std::exp(0.1 * j) / (k + 3.0);
  }
  p.data_names = {"x0", "x1", "x2", "x3"};
  p.provenance.command_line = "sbi sample --num 50 --seed 11";
  p.provenance.seed = 11;
  p.provenance.has_seed = true;
  p.string_attrs = {{"task", "gaussian_linear"}};
  p.number_attrs = {{"acceptance_rate", 0.9375}};
  return p;
}

// Runs a shell command and returns its stdout; *status gets the exit status.
std::string run(const std::string& command, int* status) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    *status = -1;
    return out;
  }
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  *status = pclose(pipe);
  return out;
}

class PosteriorFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("posterior.h5");
    draws_ = example_draws();
    write_posterior_file(path_, draws_);
  }
  sbi::testing::TempDir dir_;
  std::string path_;
  PosteriorDraws draws_;
};

TEST_F(PosteriorFileTest, LayoutMatchesTheFormat) {
  H5File f = H5File::open_read(path_);
  // Root: groups only, attributes carry provenance.
  EXPECT_EQ(f.list("/"), (std::vector<std::string>{"posterior", "sample_stats", "observed_data"}));
  EXPECT_EQ(f.list("/posterior"),
            (std::vector<std::string>{"chain", "draw", "observation", "alpha", "beta"}));
  EXPECT_EQ(f.shape("/posterior/alpha"), (std::vector<size_t>{1, kM, kK}));
  EXPECT_EQ(f.dtype("/posterior/alpha"), "float64");
  EXPECT_EQ(f.dimension_names("/posterior/beta"),
            (std::vector<std::string>{"chain", "draw", "observation"}));
  EXPECT_EQ(f.read_int64_vector("/posterior/draw").back(), kM - 1);
  EXPECT_EQ(f.read_int64_vector("/posterior/chain"), std::vector<std::int64_t>{0});
  EXPECT_EQ(f.get_string_attr("/posterior/beta", "latex_label"), "\\beta\\ [\\mathrm{km/s}]");
  EXPECT_EQ(f.dimension_names("/sample_stats/lp"),
            (std::vector<std::string>{"chain", "draw", "observation"}));
  EXPECT_EQ(f.list("/sample_stats"),
            (std::vector<std::string>{"chain", "draw", "observation", "lp"}));
  EXPECT_EQ(f.shape("/observed_data/x"), (std::vector<size_t>{kK, kXDim}));
  EXPECT_EQ(f.dimension_names("/observed_data/x"),
            (std::vector<std::string>{"observation", "x_dim"}));
  EXPECT_EQ(f.get_string_list_attr("/", "parameter_names"),
            (std::vector<std::string>{"alpha", "beta"}));
  EXPECT_EQ(f.get_string_list_attr("/", "data_names"), draws_.data_names);
  EXPECT_EQ(f.get_string_attr("/", "creation_library"), "sbi-toolkit");
  EXPECT_EQ(f.get_int_attr("/", "seed"), 11);
  EXPECT_EQ(f.get_string_attr("/", "task"), "gaussian_linear");
  EXPECT_EQ(f.get_double_attr("/", "acceptance_rate"), 0.9375);
  // Element (0, m, k) of /posterior/beta is draw m of observation k.
  std::vector<size_t> shape;
  const std::vector<double> beta = f.read_array("/posterior/beta", &shape);
  EXPECT_EQ(beta[17 * kK + 2], draws_.samples[2](1, 17));
  f.close();

  // One observation per chunk, shuffle + deflate only; creation order on every group.
  testing::RawFile raw = testing::RawFile::open(path_, false);
  const std::vector<H5Z_filter_t> shuffle_deflate = {H5Z_FILTER_SHUFFLE, H5Z_FILTER_DEFLATE};
  for (const char* var : {"/posterior/alpha", "/sample_stats/lp"}) {
    const testing::Layout layout = testing::dataset_layout(raw.id(), var);
    EXPECT_EQ(layout.chunk, (std::vector<hsize_t>{1, kM, 1})) << var;
    EXPECT_EQ(layout.filters, shuffle_deflate) << var;
  }
  EXPECT_EQ(testing::dataset_layout(raw.id(), "/observed_data/x").chunk,
            (std::vector<hsize_t>{1, kXDim}));
  const unsigned both = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
  for (const char* group : {"/", "/posterior", "/sample_stats", "/observed_data"}) {
    EXPECT_EQ(testing::group_creation_order(raw.id(), group),
              std::make_pair(both, both)) << group;
  }
}

TEST_F(PosteriorFileTest, ReadRoundTripsEverything) {
  const PosteriorDraws back = read_posterior_file(path_);
  EXPECT_EQ(back.parameter_names, draws_.parameter_names);
  EXPECT_EQ(back.latex_labels, draws_.latex_labels);
  ASSERT_EQ(back.samples.size(), static_cast<size_t>(kK));
  ASSERT_EQ(back.log_prob.size(), static_cast<size_t>(kK));
  for (int k = 0; k < kK; ++k) {
    EXPECT_EQ(back.samples[k], draws_.samples[k]) << "observation " << k;
    EXPECT_EQ(back.log_prob[k], draws_.log_prob[k]) << "observation " << k;
  }
  EXPECT_EQ(back.observed_x, draws_.observed_x);
  EXPECT_EQ(back.data_names, draws_.data_names);
  EXPECT_EQ(back.provenance.command_line, draws_.provenance.command_line);
  EXPECT_EQ(back.provenance.seed, 11u);
  EXPECT_TRUE(back.provenance.has_seed);
  EXPECT_EQ(back.provenance.created_at.size(), 20u);  // "YYYY-MM-DDTHH:MM:SSZ"
  EXPECT_EQ(back.string_attrs, draws_.string_attrs);
  EXPECT_EQ(back.number_attrs, draws_.number_attrs);
}

// MCMC draws: 50 draws as 5 chains of 10, on the chain dimension; read back concatenated.
TEST_F(PosteriorFileTest, ChainsAreTheChainDimensionAndReadBackInOrder) {
  PosteriorDraws chains = draws_;
  chains.num_chains = 5;
  const std::string path = dir_.file("chains.h5");
  write_posterior_file(path, chains);
  std::vector<size_t> shape;
  const H5File f = H5File::open_read(path);
  const std::vector<double> alpha = f.read_array("/posterior/alpha", &shape);
  EXPECT_EQ(shape, (std::vector<size_t>{5, kM / 5, kK}));
  // (c, j, k) holds draw c M/5 + j of observation k.
  EXPECT_EQ(alpha[(3 * (kM / 5) + 4) * kK + 2], draws_.samples[2](0, 3 * (kM / 5) + 4));
  EXPECT_EQ(f.shape("/posterior/chain"), std::vector<size_t>{5});
  EXPECT_EQ(f.shape("/sample_stats/lp"), shape);
  const PosteriorDraws back = read_posterior_file(path);
  EXPECT_EQ(back.num_chains, 5u);
  for (int k = 0; k < kK; ++k) EXPECT_EQ(back.samples[k], draws_.samples[k]) << k;
  chains.num_chains = 7;  // 50 draws do not split into 7 chains
  EXPECT_EQ(error_message([&] { write_posterior_file(path, chains); }),
            "write_posterior_file: " + path + ": 50 draws do not split into 7 chains");
}

TEST_F(PosteriorFileTest, NcdumpSeesNamedDimensions) {
  int status = 0;
  run("command -v ncdump", &status);
  if (status != 0) GTEST_SKIP() << "ncdump (netcdf-bin) is not installed";
  const std::string header = run("ncdump -h '" + path_ + "' 2>&1", &status);
  ASSERT_EQ(status, 0) << header;
  EXPECT_TRUE(contains(header, "chain = 1 ;")) << header;
  EXPECT_TRUE(contains(header, "draw = 50 ;")) << header;
  EXPECT_TRUE(contains(header, "observation = 3 ;")) << header;
  EXPECT_TRUE(contains(header, "x_dim = 4 ;")) << header;
  EXPECT_TRUE(contains(header, "double alpha(chain, draw, observation) ;")) << header;
  EXPECT_TRUE(contains(header, "double lp(chain, draw, observation) ;")) << header;
  EXPECT_TRUE(contains(header, "double x(observation, x_dim) ;")) << header;
  EXPECT_TRUE(contains(header, ":parameter_names = \"alpha\", \"beta\" ;")) << header;
  EXPECT_FALSE(contains(header, "phony_dim")) << header;
}

// Python prints "<dims> | <shape>" then every value with repr() (shortest exact form).
const char* kXarrayScript = R"(
import sys, xarray as xr
path = sys.argv[1]
for group, name in (("posterior", "alpha"), ("posterior", "beta"), ("sample_stats", "lp")):
    with xr.open_dataset(path, group=group, engine="netcdf4") as ds:
        v = ds[name]
        print(" ".join(v.dims), "|", " ".join(str(n) for n in v.shape))
        print(" ".join(repr(float(x)) for x in v.values.ravel()))
with xr.open_dataset(path, engine="netcdf4") as root:
    print(",".join(root.attrs["parameter_names"]))
)";

TEST_F(PosteriorFileTest, XarrayReadsTheDrawsExactly) {
  int status = 0;
  run("/usr/bin/python3 -c 'import xarray, netCDF4' 2>/dev/null", &status);
  if (status != 0) GTEST_SKIP() << "python3 with xarray and netCDF4 is not available";
  const std::string script_path = dir_.file("read.py");
  std::FILE* script = std::fopen(script_path.c_str(), "w");
  ASSERT_NE(script, nullptr);
  std::fputs(kXarrayScript, script);
  std::fclose(script);
  const std::string out =
      run("/usr/bin/python3 '" + script_path + "' '" + path_ + "' 2>&1", &status);
  ASSERT_EQ(status, 0) << out;

  std::istringstream lines(out);
  std::string dims_line, values_line;
  for (int variable = 0; variable < 3; ++variable) {
    ASSERT_TRUE(std::getline(lines, dims_line)) << out;
    ASSERT_TRUE(std::getline(lines, values_line)) << out;
    EXPECT_EQ(dims_line, "chain draw observation | 1 50 3");
    std::istringstream values(values_line);
    for (int m = 0; m < kM; ++m) {
      for (int k = 0; k < kK; ++k) {
        std::string token;
        ASSERT_TRUE(values >> token) << "variable " << variable << " m " << m << " k " << k;
        const double expected =
            variable < 2 ? draws_.samples[k](variable, m) : draws_.log_prob[k](m);
        EXPECT_EQ(std::strtod(token.c_str(), nullptr), expected)
            << "variable " << variable << " m " << m << " k " << k;
      }
    }
  }
  std::string names;
  ASSERT_TRUE(std::getline(lines, names)) << out;
  EXPECT_EQ(names, "alpha,beta");
}

TEST(PosteriorFileErrors, BadNameIsRejectedBeforeAnyFileExists) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("posterior.h5");
  PosteriorDraws draws = example_draws();
  draws.parameter_names[1] = "2beta";
  EXPECT_EQ(error_message([&] { write_posterior_file(path, draws); }),
            "write_posterior_file: " + path +
                ": parameter name '2beta' does not match [A-Za-z_][A-Za-z0-9_]*");
  draws.parameter_names[1] = "draw";
  EXPECT_EQ(error_message([&] { write_posterior_file(path, draws); }),
            "write_posterior_file: " + path + ": parameter name 'draw' is a dimension name");
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(PosteriorFileErrors, InconsistentShapesAreRejected) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("posterior.h5");
  PosteriorDraws draws = example_draws();
  draws.samples[2] = Eigen::MatrixXd::Zero(kD, kM - 1);
  EXPECT_EQ(error_message([&] { write_posterior_file(path, draws); }),
            "write_posterior_file: " + path +
                ": samples[2] has 49 draws, expected 50 like samples[0]");
  draws = example_draws();
  draws.observed_x = Eigen::MatrixXd::Zero(kXDim, kK + 1);
  EXPECT_EQ(error_message([&] { write_posterior_file(path, draws); }),
            "write_posterior_file: " + path +
                ": observed_x has 4 columns, expected 3 (one per observation)");
  draws = example_draws();
  draws.string_attrs.emplace_back("seed", "12");
  EXPECT_EQ(error_message([&] { write_posterior_file(path, draws); }),
            "write_posterior_file: " + path + ": extra attribute 'seed' is a provenance attribute");
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(PosteriorFileErrors, VariableNameRule) {
  EXPECT_TRUE(is_valid_variable_name("theta_0"));
  EXPECT_TRUE(is_valid_variable_name("_x"));
  EXPECT_FALSE(is_valid_variable_name(""));
  EXPECT_FALSE(is_valid_variable_name("0theta"));
  EXPECT_FALSE(is_valid_variable_name("log M"));
  EXPECT_FALSE(is_valid_variable_name("σ"));
}

TEST(PosteriorFileErrors, ReadingAFileWithoutPosteriorGroup) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("sims.h5");
  H5File::create(path).write_matrix("/theta", Eigen::MatrixXd::Zero(2, 3));
  EXPECT_EQ(error_message([&] { read_posterior_file(path); }),
            "read_posterior_file: " + path + " has no /posterior group");
}

}  // namespace
}  // namespace sbi::io
