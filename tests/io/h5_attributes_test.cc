// H5File attributes: round trips, the on-disk types netCDF readers need, and strings written
// by other tools (fixed length, NUL- or space-padded).
#include <gtest/gtest.h>

#include "io/h5_file.h"
#include "testing/temp_dir.h"
#include "tests/io/error_message.h"
#include "tests/io/raw_h5.h"

namespace sbi::io {
namespace {

using testing::error_message;

TEST(H5Attributes, EveryKindRoundTripsOnRootGroupAndDataset) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("a.h5");
  {
    H5File f = H5File::create(path);
    f.write_vector("/g/v", Eigen::VectorXd::Ones(2));
    f.set_attr("/", "title", std::string("dwarf σ_v [km/s]"));  // UTF-8 survives
    f.set_attr("/", "literal", "plain");
    f.set_attr("/", "scale", 0.1);
    f.set_attr("/", "seed", std::int64_t{-9007199254740993});  // not representable as double
    f.set_attr("/", "count", 7);                                 // int -> int64
    f.set_attr("/g", "names", std::vector<std::string>{"alpha", "", "beta gamma"});
    f.set_attr("/g/v", "bounds", std::vector<double>{-1.5, 2.25});
    f.set_attr("/g/v", "empty", std::vector<double>{});
  }
  H5File f = H5File::open_read(path);
  EXPECT_EQ(f.get_string_attr("/", "title"), "dwarf σ_v [km/s]");
  EXPECT_EQ(f.get_string_attr("/", "literal"), "plain");
  EXPECT_EQ(f.get_double_attr("/", "scale"), 0.1);
  EXPECT_EQ(f.get_int_attr("/", "seed"), -9007199254740993);
  EXPECT_EQ(f.get_int_attr("/", "count"), 7);
  EXPECT_EQ(f.get_double_attr("/", "count"), 7.0);  // integers read as numbers too
  EXPECT_EQ(f.get_string_list_attr("/g", "names"),
            (std::vector<std::string>{"alpha", "", "beta gamma"}));
  EXPECT_EQ(f.get_double_list_attr("/g/v", "bounds"), (std::vector<double>{-1.5, 2.25}));
  EXPECT_TRUE(f.get_double_list_attr("/g/v", "empty").empty());
  EXPECT_EQ(f.list_attrs("/"),
            (std::vector<std::string>{"title", "literal", "scale", "seed", "count"}));
  EXPECT_EQ(f.attr_dtype("/", "seed"), "int64");
  EXPECT_EQ(f.attr_dtype("/", "scale"), "float64");
  EXPECT_EQ(f.attr_shape("/", "scale"), std::vector<size_t>{});
  EXPECT_EQ(f.attr_shape("/g", "names"), std::vector<size_t>{3});
  EXPECT_TRUE(f.has_attr("/g/v", "bounds"));
  EXPECT_FALSE(f.has_attr("/g/v", "missing"));
  EXPECT_FALSE(f.has_attr("/no/such", "bounds"));
}

TEST(H5Attributes, TextIsScalarVariableLengthUtf8) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("t.h5");
  {
    H5File f = H5File::create(path);
    f.set_attr("/", "created_at", "2026-11-28T10:53:11Z");
    f.set_attr("/", "names", std::vector<std::string>{"a", "b"});
  }
  testing::RawFile raw = testing::RawFile::open(path, false);
  for (const char* name : {"created_at", "names"}) {
    hid_t attr = H5Aopen_by_name(raw.id(), "/", name, H5P_DEFAULT, H5P_DEFAULT);
    hid_t type = H5Aget_type(attr);
    hid_t space = H5Aget_space(attr);
    EXPECT_EQ(H5Tget_class(type), H5T_STRING) << name;
    EXPECT_GT(H5Tis_variable_str(type), 0) << name;
    EXPECT_EQ(H5Tget_cset(type), H5T_CSET_UTF8) << name;
    EXPECT_EQ(H5Sget_simple_extent_ndims(space), std::string(name) == "names" ? 1 : 0) << name;
    H5Sclose(space);
    H5Tclose(type);
    H5Aclose(attr);
  }
}

TEST(H5Attributes, SettingAgainReplacesValueAndType) {
  sbi::testing::TempDir dir;
  H5File f = H5File::create(dir.file("r.h5"));
  f.set_attr("/", "x", "text");
  f.set_attr("/", "x", 2.5);
  EXPECT_EQ(f.get_double_attr("/", "x"), 2.5);
  EXPECT_EQ(f.attr_dtype("/", "x"), "float64");
  EXPECT_EQ(f.list_attrs("/"), std::vector<std::string>{"x"});
}

TEST(H5Attributes, FixedLengthStringsFromOtherToolsAreRead) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("fixed.h5");
  {
    testing::RawFile raw = testing::RawFile::create(path);
    testing::write_fixed_string_attr(raw.id(), "/", "nullterm", {"hello"}, 16, H5T_STR_NULLTERM);
    testing::write_fixed_string_attr(raw.id(), "/", "spaces", {"padded"}, 12, H5T_STR_SPACEPAD);
    // Exactly the width: no terminator at all (NULLPAD allows it).
    testing::write_fixed_string_attr(raw.id(), "/", "full", {"abcd"}, 4, H5T_STR_NULLPAD);
    testing::write_fixed_string_attr(raw.id(), "/", "list", {"theta_0", "theta_1", "m"}, 8,
                                     H5T_STR_NULLPAD);
    // Variable length but ASCII (the character set many C and Fortran tools write).
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attr = H5Acreate_by_name(raw.id(), "/", "ascii", type, space, H5P_DEFAULT, H5P_DEFAULT,
                                   H5P_DEFAULT);
    const char* text = "vlen ascii";
    H5Awrite(attr, type, &text);
    H5Aclose(attr);
    H5Sclose(space);
    H5Tclose(type);
  }
  H5File f = H5File::open_read(path);
  EXPECT_EQ(f.get_string_attr("/", "nullterm"), "hello");
  EXPECT_EQ(f.get_string_attr("/", "spaces"), "padded");
  EXPECT_EQ(f.get_string_attr("/", "full"), "abcd");
  EXPECT_EQ(f.get_string_list_attr("/", "list"),
            (std::vector<std::string>{"theta_0", "theta_1", "m"}));
  EXPECT_EQ(f.get_string_list_attr("/", "nullterm"), std::vector<std::string>{"hello"});
  EXPECT_EQ(f.attr_dtype("/", "list"), "string");
  EXPECT_EQ(f.get_string_attr("/", "ascii"), "vlen ascii");
}

TEST(H5Attributes, WrongKindOrCountIsAnError) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("e.h5");
  H5File f = H5File::create(path);
  f.set_attr("/", "label", "x");
  f.set_attr("/", "names", std::vector<std::string>{"a", "b"});
  f.set_attr("/", "half", 3.5);
  f.set_attr("/", "three", 3.0);
  auto subject = [&](const std::string& function, const std::string& name) {
    return function + ": attribute " + name + " of / in " + path;
  };
  EXPECT_EQ(error_message([&] { f.get_double_attr("/", "label"); }),
            subject("get_double_attr", "label") + " has type string, expected a number");
  EXPECT_EQ(error_message([&] { f.get_string_attr("/", "half"); }),
            subject("get_string_attr", "half") + " has type float64, expected a string");
  EXPECT_EQ(error_message([&] { f.get_string_attr("/", "names"); }),
            subject("get_string_attr", "names") + " has 2 values, expected one");
  EXPECT_EQ(error_message([&] { f.get_string_attr("/", "missing"); }),
            subject("get_string_attr", "missing") + " does not exist");
  EXPECT_EQ(error_message([&] { f.get_int_attr("/", "half"); }),
            subject("get_int_attr", "half") + " is 3.5, expected an integer");
  EXPECT_EQ(f.get_int_attr("/", "three"), 3);
  EXPECT_EQ(error_message([&] { f.set_attr("/nope", "a", 1.0); }),
            "set_attr: /nope in " + path + " does not exist");
}

TEST(H5DimensionScales, ScalesNameTheAxes) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("dims.h5");
  H5File f = H5File::create(path);
  f.write_matrix("/g/var", Eigen::MatrixXd::Zero(3, 4));  // file (4, 3)
  f.write_int64_vector("/g/sample", {0, 1, 2, 3});
  f.write_int64_vector("/g/component", {0, 1, 2});
  f.make_dimension_scale("/g/sample", "sample");
  f.make_dimension_scale("/g/component", "component");
  EXPECT_EQ(f.dimension_names("/g/var"), (std::vector<std::string>{"", ""}));
  f.attach_dimension_scale("/g/var", 0, "/g/sample");
  f.attach_dimension_scale("/g/var", 1, "/g/component");
  EXPECT_EQ(f.dimension_names("/g/var"), (std::vector<std::string>{"sample", "component"}));
  EXPECT_TRUE(f.is_dimension_scale("/g/sample"));
  EXPECT_FALSE(f.is_dimension_scale("/g/var"));
  EXPECT_EQ(error_message([&] { f.attach_dimension_scale("/g/var", 2, "/g/sample"); }),
            "attach_dimension_scale: /g/var in " + path + " has 2 axes, cannot attach to axis 2");
}

}  // namespace
}  // namespace sbi::io
