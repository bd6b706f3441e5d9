// Hyperparameters: values keep their types; format-version-1 doubles read where exact;
// a rounded seed, a wrong type or a missing name is an error naming it.
#include "core/hyperparameters.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"

namespace sbi::core {
namespace {

enum class Colour { kRed, kGreen };
Colour parse_colour(const std::string& s) { return s == "red" ? Colour::kRed : Colour::kGreen; }
const std::vector<std::string> kColours = {"red", "green"};

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "nothing thrown";
  return "";
}

TEST(Hyperparameters, ValuesKeepTheirTypes) {
  Hyperparameters h("Net");
  h.set("hidden", 64);
  h.set("residual", true);
  h.set("bound", 2.5);
  h.set("colour", "green");
  h.set_uint64("seed", 18446744073709551557ULL);
  EXPECT_EQ(h.get_int("hidden"), 64);
  EXPECT_TRUE(h.get_bool("residual"));
  EXPECT_EQ(h.get_double("bound"), 2.5);
  EXPECT_EQ(h.get_double("hidden"), 64.0);  // any number reads as a double
  EXPECT_EQ(h.get_enum("colour", parse_colour, kColours), Colour::kGreen);
  EXPECT_EQ(h.get_uint64("seed"), 18446744073709551557ULL);  // not rounded to 2^64
  EXPECT_EQ(h.values().at("hidden"), Hyperparameters::Value(std::int64_t{64}));
  EXPECT_EQ(h.values().at("seed"), Hyperparameters::Value(std::uint64_t{18446744073709551557ULL}));
}

TEST(Hyperparameters, FormatVersion1DoublesReadWhereExact) {
  Hyperparameters h("Net");
  h.set("hidden", 64.0);
  h.set("residual", 1.0);
  h.set("colour", 1.0);  // the index
  h.set("seed", 9007199254740991.0);  // 2^53 - 1: exact
  EXPECT_EQ(h.get_int("hidden"), 64);
  EXPECT_TRUE(h.get_bool("residual"));
  EXPECT_EQ(h.get_enum("colour", parse_colour, kColours), Colour::kGreen);
  EXPECT_EQ(h.get_uint64("seed"), 9007199254740991ULL);
  h.set("seed", 18446744073709551557.0);
  EXPECT_NE(error_of([&] { h.get_uint64("seed"); }).find("rounded from a value above 2^53"),
            std::string::npos);
}

TEST(Hyperparameters, WrongTypesAndMissingNamesAreNamed) {
  Hyperparameters h("RealNVP");
  h.set("hidden", 2.5);
  h.set("colour", "blue");
  h.set("residual", 3);
  h.set("big", std::int64_t{1} << 40);
  EXPECT_EQ(error_of([&] { h.get_int("hidden"); }),
            "RealNVP: hyperparameter 'hidden' = 2.5 is not an integer of int range");
  EXPECT_EQ(error_of([&] { h.get_int("big"); }),
            "RealNVP: hyperparameter 'big' = 1099511627776 is not an integer of int range");
  EXPECT_EQ(error_of([&] { h.get_enum("colour", parse_colour, kColours); }),
            "RealNVP: hyperparameter 'colour' = 'blue' is not one of red, green");
  EXPECT_EQ(error_of([&] { h.get_bool("residual"); }),
            "RealNVP: hyperparameter 'residual' = 3 is not a flag (0 or 1)");
  EXPECT_EQ(error_of([&] { h.get_double("colour"); }),
            "RealNVP: hyperparameter 'colour' = blue is not a number");
  EXPECT_EQ(error_of([&] { h.get_int("width"); }),
            "RealNVP: hyperparameter 'width' is missing (the model file is damaged or from "
            "another program)");
}

}  // namespace
}  // namespace sbi::core
