#include "core/enum_names.h"

#include <gtest/gtest.h>

namespace sbi::core {
namespace {

enum class Fruit { kApple, kPear, kPlum };

const EnumNames<Fruit> kFruits("fruit", {"apple", "pear", "plum"});

TEST(EnumNames, NamesAndValuesRoundTripInTheOrderOfTheEnum) {
  for (const std::string& name : kFruits.names()) EXPECT_EQ(kFruits.name(kFruits.parse(name)), name);
  EXPECT_EQ(kFruits.parse("pear"), Fruit::kPear);
  EXPECT_EQ(kFruits.name(Fruit::kPlum), "plum");
  EXPECT_EQ(kFruits.accepted(), "apple, pear or plum");
}

TEST(EnumNames, AnUnknownNameOrValueIsAnErrorNamingTheAcceptedOnes) {
  try {
    kFruits.parse("Pear");  // names are case-sensitive, as in model files
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "unknown fruit 'Pear' (expected apple, pear or plum)");
  }
  EXPECT_THROW(kFruits.name(static_cast<Fruit>(7)), Error);
  EXPECT_EQ(EnumNames<Fruit>("fruit", {"apple"}).accepted(), "apple");
}

}  // namespace
}  // namespace sbi::core
