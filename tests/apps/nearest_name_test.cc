#include "apps/nearest_name.h"

#include <gtest/gtest.h>

namespace sbi::app {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsSubstitutionsAndSwaps) {
  EXPECT_EQ(edit_distance("", ""), 0);
  EXPECT_EQ(edit_distance("abc", ""), 3);
  EXPECT_EQ(edit_distance("", "ab"), 2);
  EXPECT_EQ(edit_distance("num", "num"), 0);
  EXPECT_EQ(edit_distance("nmu", "num"), 1);     // adjacent swap
  EXPECT_EQ(edit_distance("seeds", "seed"), 1);  // deletion
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3);
  EXPECT_EQ(edit_distance("lerning-rate", "learning-rate"), 1);
}

TEST(NearestName, PicksTheClosestWithinAThirdOfTheName) {
  const std::vector<std::string> names = {"num", "seed", "out", "threads", "learning-rate"};
  EXPECT_EQ(nearest_name("nmu", names), "num");
  EXPECT_EQ(nearest_name("thread", names), "threads");
  EXPECT_EQ(nearest_name("lerning-rate", names), "learning-rate");
  EXPECT_EQ(nearest_name("estimator", names), "");  // a different word, not a typo
}

}  // namespace
}  // namespace sbi::app
