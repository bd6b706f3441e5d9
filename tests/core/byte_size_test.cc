// core::parse_byte_size: the sizes a user writes for --memory-budget.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/memory_budget.h"

namespace sbi::core {
namespace {

TEST(ByteSize, BinaryAndDecimalUnitsAsSlurmAndDiskMakersWriteThem) {
  EXPECT_EQ(parse_byte_size("4096", "--m"), 4096);
  EXPECT_EQ(parse_byte_size("10B", "--m"), 10);
  EXPECT_EQ(parse_byte_size("2GiB", "--m"), 2.0 * 1024 * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("2G", "--m"), 2.0 * 1024 * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("2 gb", "--m"), 2e9);
  EXPECT_EQ(parse_byte_size("1.5M", "--m"), 1.5 * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("500MB", "--m"), 5e8);
  EXPECT_EQ(parse_byte_size("64KiB", "--m"), 65536);
  EXPECT_EQ(parse_byte_size("3T", "--m"), 3.0 * 1099511627776.0);
}

TEST(ByteSize, AnythingElseIsAnErrorNamingTheFlag) {
  for (const char* bad : {"", "GiB", "12parsecs", "-5MB", "0", "nan", "inf", "2 G B", "1e400"}) {
    try {
      parse_byte_size(bad, "--memory-budget");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("--memory-budget expects a size"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace sbi::core
