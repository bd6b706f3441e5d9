#include "core/prior_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "core/error.h"
#include "testing/temp_dir.h"

namespace sbi::core {
namespace {

std::string write(const testing::TempDir& dir, const std::string& text) {
  const std::string path = dir.file("prior.toml");
  std::ofstream(path) << text;
  return path;
}

// The message of the Error reading `text` as a prior file throws ("" if none).
std::string error_of(const testing::TempDir& dir, const std::string& text) {
  const std::string path = write(dir, text);
  try {
    read_prior_file(path);
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;  // one line
    return message.rfind(path, 0) == 0 ? "FILE" + message.substr(path.size()) : message;
  }
  return "";
}

constexpr const char* kEveryKind = R"(# one table per parameter, in order
[[parameter]]
name = "a"
unit = "rad"
distribution = "uniform"
low = -1
high = 1.5

[[parameter]]
name = "b"
distribution = "normal"
mean = 0.25
std = 2

[[parameter]]
name = "c"
unit = "kpc"
distribution = "lognormal"
mu = 0.0
sigma = 0.5

[[parameter]]
name = "d"
distribution = "loguniform"
low = 1e-3
high = 10.0

[[parameter]]
name = "e"
distribution = "truncnormal"
mean = 1.0
std = 0.3
low = 0.2
high = 2.0
)";

TEST(PriorFile, EqualsTheSpecOfTheSameMarginals) {
  testing::TempDir dir;
  const PriorDescription d = read_prior_file(write(dir, kEveryKind));
  const Prior spec = Prior::parse(
      "uniform(-1,1.5),normal(0.25,2),lognormal(0,0.5),loguniform(0.001,10),"
      "truncnormal(1,0.3,0.2,2)");
  EXPECT_EQ(d.prior.marginals(), spec.marginals());
  EXPECT_EQ(d.prior.to_string(), spec.to_string());
  EXPECT_EQ(d.names, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(d.units, (std::vector<std::string>{"rad", "", "kpc", "", ""}));
  EXPECT_EQ(d.file, dir.file("prior.toml"));
}

TEST(PriorFile, ErrorsNameTheFileAndLine) {
  testing::TempDir dir;
  const std::string head = "[[parameter]]\nname = \"a\"\n";  // lines 1-2
  EXPECT_EQ(error_of(dir, head + "distribution = \"gamma\"\nlow = 0\nhigh = 1\n"),
            "FILE:3: parameter 1 (a): unknown distribution 'gamma' (expected uniform, normal, "
            "lognormal, loguniform or truncnormal)");
  EXPECT_EQ(error_of(dir, head + "distribution = \"normal\"\nmean = 0\n"),
            "FILE:1: parameter 1 (a): normal needs 'std'");
  EXPECT_EQ(error_of(dir, head + "distribution = \"uniform\"\nlow = 2\nhigh = 1\n"),
            "FILE:5: parameter 1 (a): uniform: low must be < high");
  EXPECT_EQ(error_of(dir, head + "distribution = \"uniform\"\nlow = 0\nhihg = 1\nhigh = 2\n"),
            "FILE:5: parameter 1 (a): unknown key 'hihg' (uniform takes low and high)");
  EXPECT_EQ(error_of(dir, head + "distribution = \"uniform\"\nlow = \"0\"\nhigh = 1\n"),
            "FILE:4: parameter 1 (a): 'low' must be a number");
  EXPECT_EQ(error_of(dir, "[[parameter]]\ndistribution = \"normal\"\nmean = 0\nstd = 1\n"),
            "FILE:1: parameter 1: missing 'name'");
  EXPECT_EQ(error_of(dir, "title = \"x\"\n"),
            "FILE:1: unknown key 'title' (a prior file holds [[parameter]] tables)");
  EXPECT_EQ(error_of(dir, ""), "FILE: no [[parameter]] tables (one per parameter, in order)");
  EXPECT_EQ(error_of(dir, head + "distribution = \n").rfind("FILE:3: not valid TOML: ", 0), 0u);
}

TEST(PriorFile, ArgumentIsAFileOrASpec) {
  testing::TempDir dir;
  const std::string path = write(dir, kEveryKind);
  EXPECT_EQ(read_prior_argument(path).prior.dim(), 5);
  const PriorDescription spec = read_prior_argument("uniform(-1,1)*2");
  EXPECT_EQ(spec.prior.dim(), 2);
  EXPECT_TRUE(spec.names.empty());
  EXPECT_EQ(spec.file, "");
  EXPECT_THROW(read_prior_argument(dir.file("missing.toml")), Error);
}

}  // namespace
}  // namespace sbi::core
