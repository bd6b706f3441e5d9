// describe_file: the text `sbi info` prints.
#include "io/describe.h"

#include <gtest/gtest.h>

#include "io/h5_file.h"
#include "testing/temp_dir.h"
#include "tests/io/error_message.h"

namespace sbi::io {
namespace {

using testing::contains;

TEST(DescribeFile, ShowsAttributesTreeShapesAndColumnStatistics) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("sims.h5");
  {
    H5File f = H5File::create(path);
    f.set_attr("/", "task", "two_moons");
    f.set_attr("/", "seed", std::int64_t{42});
    f.set_attr("/", "scale", 0.25);
    f.set_attr("/", "names", std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g", "h"});
    // File columns: (1, 2, 3) and (10, 20, 60).
    Eigen::MatrixXd theta(2, 3);
    theta << 1, 2, 3,
             10, 20, 60;
    f.write_matrix("/theta", theta);
    f.write_matrix("/nested/wide", Eigen::MatrixXd::Ones(15, 2));
    f.set_attr("/nested/wide", "units", "km/s");
  }
  const std::string text = describe_file(path);
  EXPECT_TRUE(contains(text, "  task = \"two_moons\"\n")) << text;
  EXPECT_TRUE(contains(text, "  seed = 42\n")) << text;
  EXPECT_TRUE(contains(text, "  scale = 0.25\n")) << text;
  EXPECT_TRUE(
      contains(text, "  names = [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", ... (8 total)]\n"))
      << text;
  EXPECT_TRUE(contains(text, "  theta  float64 (3, 2)\n")) << text;
  // Column 1: mean 30, sample std sqrt((400 + 100 + 900) / 2) = 26.4575, min 10, max 60.
  EXPECT_TRUE(contains(text, "         0            2            1            1            3\n"))
      << text;
  EXPECT_TRUE(contains(text, "         1           30      26.4575           10           60\n"))
      << text;
  EXPECT_TRUE(contains(text, "  nested/\n    wide  float64 (2, 15)\n        units = \"km/s\"\n"))
      << text;
  EXPECT_TRUE(contains(text, "(first 12 of 15 columns)")) << text;
}

TEST(DescribeFile, NamesDimensionsAndSkipsStatisticsOfScales) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("d.h5");
  {
    H5File f = H5File::create(path);
    f.write_int64_vector("/g/draw", {0, 1, 2});
    f.make_dimension_scale("/g/draw", "draw");
    f.write_vector("/g/lp", Eigen::VectorXd::Constant(3, -1.5));
    f.attach_dimension_scale("/g/lp", 0, "/g/draw");
  }
  const std::string text = describe_file(path);
  EXPECT_TRUE(contains(text, "    draw  int64 (3,)  dimension scale\n")) << text;
  EXPECT_TRUE(contains(text, "    lp  float64 (3,)  dims (draw)\n")) << text;
  EXPECT_TRUE(contains(text, "         0         -1.5            0         -1.5         -1.5\n"))
      << text;
  EXPECT_FALSE(contains(text, "CLASS")) << text;            // H5DS bookkeeping is hidden
  EXPECT_FALSE(contains(text, "DIMENSION_LIST")) << text;
}

TEST(DescribeFile, NonFiniteValuesAreCountedNotAveraged) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("n.h5");
  Eigen::MatrixXd x(1, 4);
  x << 1, std::nan(""), 3, INFINITY;
  H5File::create(path).write_matrix("/x", x);
  const std::string text = describe_file(path);
  // Over the finite values 1 and 3: mean 2, sample std sqrt(2).
  EXPECT_TRUE(contains(
      text, "         0            2      1.41421            1            3  (2 non-finite)\n"))
      << text;
}

TEST(DescribeFile, MissingFileIsAnError) {
  sbi::testing::TempDir dir;
  EXPECT_EQ(testing::error_message([&] { describe_file(dir.file("none.h5")); }),
            "open_read: cannot open " + dir.file("none.h5") + ": no such file");
}

}  // namespace
}  // namespace sbi::io
