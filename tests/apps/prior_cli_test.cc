// Prior files on the command line: `--prior FILE` equals the same prior as a spec,
// `sbi prior sample`, and one-line errors naming the file's line.
#include <gtest/gtest.h>

#include <fstream>

#include "io/h5_file.h"
#include "tests/apps/cli_runner.h"

namespace sbi {
namespace {

constexpr const char* kPriorFile = R"([[parameter]]
name = "theta_1"
unit = "arb"
distribution = "truncnormal"
mean = 0.1
std = 0.4
low = -0.5
high = 0.8

[[parameter]]
name = "theta_2"
distribution = "loguniform"
low = 0.05
high = 1
)";
constexpr const char* kSpec = "truncnormal(0.1,0.4,-0.5,0.8),loguniform(0.05,1)";

std::string write_prior(const testing::TempDir& dir, const std::string& text) {
  const std::string path = dir.file("prior.toml");
  std::ofstream(path) << text;
  return path;
}

Eigen::MatrixXd read(const std::string& path, const std::string& dataset) {
  return io::H5File::open_read(path).read_matrix(dataset);
}

TEST(PriorCli, FileAndSpecGiveBitwiseIdenticalSimulations) {
  testing::TempDir dir;
  const std::string file = write_prior(dir, kPriorFile);
  const std::string a = dir.file("a.h5"), b = dir.file("b.h5");
  const std::string common = "simulate --task two_moons --num 300 --seed 5 --threads 2 --out ";
  ASSERT_EQ(sbi(dir, common + a + " --prior " + file).exit_code, 0);
  ASSERT_EQ(sbi(dir, common + b + " --prior '" + kSpec + "'").exit_code, 0);
  EXPECT_EQ(read(a, "/theta"), read(b, "/theta"));
  EXPECT_EQ(read(a, "/x"), read(b, "/x"));
  const io::H5File fa = io::H5File::open_read(a), fb = io::H5File::open_read(b);
  EXPECT_EQ(fa.get_string_attr("/", "prior"), kSpec);
  EXPECT_EQ(fb.get_string_attr("/", "prior"), kSpec);
  EXPECT_EQ(fa.get_string_attr("/", "prior_file"), file);
  // The draws follow the prior: inside both supports.
  const Eigen::MatrixXd theta = read(a, "/theta");  // 2 x N
  EXPECT_GE(theta.row(0).minCoeff(), -0.5);
  EXPECT_LE(theta.row(0).maxCoeff(), 0.8);
  EXPECT_GE(theta.row(1).minCoeff(), 0.05);
  EXPECT_LE(theta.row(1).maxCoeff(), 1.0);
}

TEST(PriorCli, PriorSampleDrawsTheThetaOfSimulate) {
  testing::TempDir dir;
  const std::string file = write_prior(dir, kPriorFile);
  const std::string sims = dir.file("sims.h5"), theta = dir.file("theta.h5");
  ASSERT_EQ(sbi(dir, "simulate --task two_moons --num 200 --seed 9 --prior " + file + " --out " +
                         sims).exit_code, 0);
  const CliRun r = sbi(dir, "prior sample --prior " + file + " --num 200 --seed 9 --out " + theta);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read(theta, "/theta"), read(sims, "/theta"));
  const io::H5File f = io::H5File::open_read(theta);
  EXPECT_EQ(f.get_string_attr("/", "prior"), kSpec);
  EXPECT_EQ(f.get_string_list_attr("/", "parameter_names"),
            (std::vector<std::string>{"theta_1", "theta_2"}));
  EXPECT_EQ(f.get_string_list_attr("/", "parameter_units"), (std::vector<std::string>{"arb", ""}));
}

TEST(PriorCli, BadPriorFilesAreOneLineErrorsNamingTheLine) {
  testing::TempDir dir;
  const std::string out = dir.file("sims.h5");
  const std::string head = "[[parameter]]\nname = \"a\"\n";
  const auto run = [&](const std::string& text) {
    const std::string file = write_prior(dir, text);
    return sbi(dir, "simulate --task two_moons --num 10 --prior " + file + " --out " + out);
  };
  expect_clean_failure(dir, run(head + "distribution = \"beta\"\nlow = 0\nhigh = 1\n"),
                       "prior.toml:3: parameter 1 (a): unknown distribution 'beta'", out);
  expect_clean_failure(dir, run(head + "distribution = \"uniform\"\nlow = 0\n"),
                       "prior.toml:1: parameter 1 (a): uniform needs 'high'", out);
  expect_clean_failure(dir, run(head + "distribution = \"uniform\"\nlow = 1\nhigh = 0\n"),
                       "prior.toml:5: parameter 1 (a): uniform: low must be < high", out);
  expect_clean_failure(dir, run(head + "distribution = \"uniform\"\nlow = 0\nhigh = 1\n"),
                       "--prior has 1 parameter(s), two_moons takes 2", out);
  expect_clean_failure(dir, sbi(dir, "prior sample --prior " + dir.file("none.toml") +
                                         " --num 5 --out " + out),
                       "cannot read prior file", out);
}

}  // namespace
}  // namespace sbi
