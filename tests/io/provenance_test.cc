// Provenance attributes on the root of output files.
#include "io/provenance.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <limits>

#include "testing/temp_dir.h"

namespace sbi::io {
namespace {

// Seconds since the epoch of "YYYY-MM-DDTHH:MM:SSZ", or -1 if it is not that form.
long long parse_utc(const std::string& s) {
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0' || s.size() != 20) return -1;
  return static_cast<long long>(timegm(&tm));
}

TEST(Provenance, StampWritesEveryRootAttribute) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("p.h5");
  Provenance p;
  p.command_line = "sbi sample --seed 7";
  p.seed = 7;
  p.has_seed = true;
  p.parameter_names = {"mass", "radius"};
  p.data_names = {"sigma_v"};
  const long long before = static_cast<long long>(std::time(nullptr));
  {
    H5File f = H5File::create(path);
    stamp_provenance(f, p);
  }
  const long long after = static_cast<long long>(std::time(nullptr));
  H5File f = H5File::open_read(path);
  EXPECT_EQ(f.get_string_attr("/", "creation_library"), "sbi-toolkit");
  EXPECT_EQ(f.get_string_attr("/", "creation_library_version"), SBI_VERSION);
  EXPECT_EQ(f.get_string_attr("/", "inference_library"), "sbi-toolkit");
  EXPECT_EQ(f.get_string_attr("/", "command_line"), "sbi sample --seed 7");
  EXPECT_EQ(f.get_int_attr("/", "seed"), 7);
  EXPECT_EQ(f.attr_dtype("/", "seed"), "uint64");
  EXPECT_EQ(f.get_string_list_attr("/", "parameter_names"),
            (std::vector<std::string>{"mass", "radius"}));
  EXPECT_EQ(f.get_string_list_attr("/", "data_names"), std::vector<std::string>{"sigma_v"});
  const long long created = parse_utc(f.get_string_attr("/", "created_at"));
  EXPECT_GE(created, before);
  EXPECT_LE(created, after);
}

TEST(Provenance, OptionalAttributesAreLeftOut) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("p.h5");
  {
    H5File f = H5File::create(path);
    stamp_provenance(f, Provenance{});
  }
  H5File f = H5File::open_read(path);
  EXPECT_FALSE(f.has_attr("/", "seed"));
  EXPECT_FALSE(f.has_attr("/", "parameter_names"));
  EXPECT_FALSE(f.has_attr("/", "data_names"));
  EXPECT_EQ(f.get_string_attr("/", "command_line"), "");
}

TEST(Provenance, ReadBackIncludingSeedsAbove2To63) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("p.h5");
  Provenance p;
  p.command_line = "sbi simulate";
  p.seed = std::numeric_limits<std::uint64_t>::max() - 4;  // stored as int64 -5
  p.has_seed = true;
  p.parameter_names = {"a"};
  p.created_at = "2026-11-28T10:53:11Z";
  {
    H5File f = H5File::create(path);
    stamp_provenance(f, p);
  }
  const Provenance back = read_provenance(H5File::open_read(path));
  EXPECT_EQ(back.command_line, "sbi simulate");
  EXPECT_TRUE(back.has_seed);
  EXPECT_EQ(back.seed, p.seed);
  EXPECT_EQ(back.parameter_names, std::vector<std::string>{"a"});
  EXPECT_TRUE(back.data_names.empty());
  EXPECT_EQ(back.created_at, "2026-11-28T10:53:11Z");
}

TEST(Provenance, TimestampIsIsoUtc) {
  const std::string now = utc_timestamp_now();
  const long long t = parse_utc(now);
  EXPECT_GT(t, 0) << now;
  EXPECT_LE(std::llabs(t - static_cast<long long>(std::time(nullptr))), 2) << now;
}

TEST(Provenance, CommandLineQuotesWhatTheShellWouldSplit) {
  std::vector<std::string> args = {"sbi", "sample", "--out", "my posterior.h5", "--tag",
                                   "it's", "--param", "k=v", ""};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  EXPECT_EQ(join_command_line(static_cast<int>(argv.size()), argv.data()),
            "sbi sample --out 'my posterior.h5' --tag 'it'\\''s' --param k=v ''");
}

}  // namespace
}  // namespace sbi::io
