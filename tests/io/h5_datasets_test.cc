// H5File: numeric datasets, the (N, D) file <-> D x N memory transposition, conversions,
// and the errors for wrong shapes and types.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "io/h5_file.h"
#include "testing/temp_dir.h"
#include "tests/io/error_message.h"
#include "tests/io/raw_h5.h"

namespace sbi::io {
namespace {

using testing::contains;
using testing::error_message;

// 2 x 3: sample n (column), component d (row) holds 10 * n + d.
Eigen::MatrixXd distinct_2x3() {
  Eigen::MatrixXd m(2, 3);
  m << 0, 10, 20,
       1, 11, 21;
  return m;
}

TEST(H5Datasets, MatrixIsStoredOneSamplePerRow) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("m.h5");
  H5File::create(path).write_matrix("/theta", distinct_2x3());
  H5File f = H5File::open_read(path);
  EXPECT_EQ(f.shape("/theta"), (std::vector<size_t>{3, 2}));
  EXPECT_EQ(f.dtype("/theta"), "float64");
  // Row-major (N, D): element (n, d) at n * D + d holds 10 * n + d.
  std::vector<size_t> shape;
  const std::vector<double> raw = f.read_array("/theta", &shape);
  EXPECT_EQ(raw, (std::vector<double>{0, 1, 10, 11, 20, 21}));
  const Eigen::MatrixXd back = f.read_matrix("/theta", 2);
  EXPECT_EQ(back, distinct_2x3());
}

TEST(H5Datasets, Float32AndIntegerDatasetsAreConverted) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("types.h5");
  {
    testing::RawFile raw = testing::RawFile::create(path);
    testing::write_raw_dataset(raw.id(), "/f32", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {3, 2},
                               std::vector<float>{0.5f, 1.25f, -2.0f, 3.0f, 1e-3f, 7.0f});
    testing::write_raw_dataset(raw.id(), "/i32", H5T_STD_I32BE, H5T_NATIVE_INT, {2, 2},
                               std::vector<int>{-7, 8, 1 << 30, 0});
    testing::write_raw_dataset(raw.id(), "/u8", H5T_STD_U8LE, H5T_NATIVE_UCHAR, {4},
                               std::vector<unsigned char>{0, 1, 200, 255});
  }
  H5File f = H5File::open_read(path);
  EXPECT_EQ(f.dtype("/f32"), "float32");
  Eigen::MatrixXd f32 = f.read_matrix("/f32", 2);
  ASSERT_EQ(f32.rows(), 2);
  ASSERT_EQ(f32.cols(), 3);
  EXPECT_EQ(f32(0, 0), 0.5);
  EXPECT_EQ(f32(1, 0), 1.25);
  EXPECT_EQ(f32(0, 2), static_cast<double>(1e-3f));  // exactly the float, widened
  EXPECT_EQ(f32(1, 2), 7.0);

  EXPECT_EQ(f.dtype("/i32"), "int32");
  Eigen::MatrixXd i32 = f.read_matrix("/i32");
  EXPECT_EQ(i32(0, 0), -7.0);
  EXPECT_EQ(i32(1, 0), 8.0);
  EXPECT_EQ(i32(0, 1), 1073741824.0);

  EXPECT_EQ(f.dtype("/u8"), "uint8");
  Eigen::MatrixXd u8 = f.read_matrix("/u8", 1);  // 1-D (N,) -> 1 x N
  ASSERT_EQ(u8.rows(), 1);
  ASSERT_EQ(u8.cols(), 4);
  EXPECT_EQ(u8(0, 2), 200.0);
  EXPECT_EQ(u8(0, 3), 255.0);
  EXPECT_EQ(f.read_int64_vector("/u8"), (std::vector<std::int64_t>{0, 1, 200, 255}));
}

TEST(H5Datasets, VectorsFromOneDimensionalRowAndColumnDatasets) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("v.h5");
  H5File f = H5File::create(path);
  Eigen::VectorXd v(3);
  v << 1.5, -2.5, 4.0;
  f.write_vector("/v", v);
  f.write_matrix("/row", v);                // D = 3, N = 1: file (1, 3)
  f.write_matrix("/col", v.transpose());    // D = 1, N = 3: file (3, 1)
  f.write_matrix("/square", Eigen::MatrixXd::Zero(2, 2));
  EXPECT_EQ(f.shape("/v"), (std::vector<size_t>{3}));
  EXPECT_EQ(f.shape("/row"), (std::vector<size_t>{1, 3}));
  EXPECT_EQ(f.shape("/col"), (std::vector<size_t>{3, 1}));
  EXPECT_EQ(f.read_vector("/v"), v);
  EXPECT_EQ(f.read_vector("/row"), v);
  EXPECT_EQ(f.read_vector("/col"), v);
  EXPECT_EQ(error_message([&] { f.read_vector("/square"); }),
            "read_vector: /square in " + path +
                " has shape (2, 2), expected (N,), (1, N) or (N, 1)");
}

TEST(H5Datasets, Int64VectorsRoundTripExactly) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("i.h5");
  const std::vector<std::int64_t> values = {0, -1, (std::int64_t{1} << 62) + 1,
                                            std::numeric_limits<std::int64_t>::min()};
  H5File f = H5File::create(path);
  f.write_int64_vector("/ids", values);
  f.write_vector("/real", Eigen::VectorXd::Ones(2));
  EXPECT_EQ(f.dtype("/ids"), "int64");
  EXPECT_EQ(f.read_int64_vector("/ids"), values);
  EXPECT_EQ(error_message([&] { f.read_int64_vector("/real"); }),
            "read_int64_vector: /real in " + path + " has type float64, expected integers");
}

TEST(H5Datasets, EmptyMatrixKeepsItsColumns) {
  sbi::testing::TempDir dir;
  H5File f = H5File::create(dir.file("e.h5"));
  f.write_matrix("/theta", Eigen::MatrixXd(4, 0), WriteOptions{true, 4, {}});
  EXPECT_EQ(f.shape("/theta"), (std::vector<size_t>{0, 4}));
  const Eigen::MatrixXd back = f.read_matrix("/theta", 4);
  EXPECT_EQ(back.rows(), 4);
  EXPECT_EQ(back.cols(), 0);
}

TEST(H5Datasets, CompressionUsesShuffleDeflateAndWholeRowChunks) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("c.h5");
  const Eigen::MatrixXd m = Eigen::MatrixXd::Random(3, 1000);
  {
    H5File f = H5File::create(path);
    WriteOptions options;
    options.compress = true;
    f.write_matrix("/auto", m, options);
    options.chunk_shape = {100, 3};
    f.write_matrix("/given", m, options);
    f.write_matrix("/plain", m);
    EXPECT_EQ(f.read_matrix("/auto"), m);
    EXPECT_EQ(f.read_matrix("/given"), m);
  }
  testing::RawFile raw = testing::RawFile::open(path, false);
  const std::vector<H5Z_filter_t> shuffle_deflate = {H5Z_FILTER_SHUFFLE, H5Z_FILTER_DEFLATE};
  testing::Layout automatic = testing::dataset_layout(raw.id(), "/auto");
  EXPECT_EQ(automatic.chunk, (std::vector<hsize_t>{1000, 3}));  // all rows fit in ~1 MiB
  EXPECT_EQ(automatic.filters, shuffle_deflate);
  testing::Layout given = testing::dataset_layout(raw.id(), "/given");
  EXPECT_EQ(given.chunk, (std::vector<hsize_t>{100, 3}));
  EXPECT_EQ(given.filters, shuffle_deflate);
  testing::Layout plain = testing::dataset_layout(raw.id(), "/plain");
  EXPECT_TRUE(plain.chunk.empty());
  EXPECT_TRUE(plain.filters.empty());
}

TEST(H5Datasets, BadChunkShapeIsAnError) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("c.h5");
  H5File f = H5File::create(path);
  WriteOptions options;
  options.compress = true;
  options.chunk_shape = {20, 3};
  EXPECT_EQ(error_message([&] { f.write_matrix("/m", Eigen::MatrixXd::Zero(3, 10), options); }),
            "write_matrix: /m in " + path + ": chunk_shape[0] = 20 must be in 1..10");
  EXPECT_FALSE(f.has("/m"));
}

TEST(H5Datasets, WrongColumnCountNamesFileAndDataset) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("sims.h5");
  H5File f = H5File::create(path);
  f.write_matrix("/theta", Eigen::MatrixXd::Zero(3, 5));
  f.write_vector("/x", Eigen::VectorXd::Zero(5));
  EXPECT_EQ(error_message([&] { f.read_matrix("/theta", 2); }),
            "read_matrix: /theta in " + path + " has 3 columns, expected 2");
  EXPECT_EQ(error_message([&] { f.read_matrix("/x", 2); }),
            "read_matrix: /x in " + path + " has 1 column, expected 2");
}

TEST(H5Datasets, RankTypeAndMissingErrors) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("bad.h5");
  {
    testing::RawFile raw = testing::RawFile::create(path);
    testing::write_raw_dataset(raw.id(), "/cube", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {2, 2, 2},
                               std::vector<double>(8, 1.0));
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, 4);
    testing::write_raw_dataset(raw.id(), "/names", type, type, {2},
                               std::vector<char>{'a', 'b', 'c', '\0', 'd', 'e', 'f', '\0'});
    H5Tclose(type);
    H5Gclose(H5Gcreate2(raw.id(), "/group", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  }
  H5File f = H5File::open_read(path);
  EXPECT_EQ(error_message([&] { f.read_matrix("/cube"); }),
            "read_matrix: /cube in " + path + " has shape (2, 2, 2), expected (N, D) or (N,)");
  EXPECT_EQ(error_message([&] { f.read_matrix("/names"); }),
            "read_matrix: /names in " + path + " has type string, expected integers or floats");
  EXPECT_EQ(error_message([&] { f.read_matrix("/theta"); }),
            "read_matrix: /theta in " + path + " does not exist");
  EXPECT_EQ(error_message([&] { f.read_matrix("/sims/theta"); }),
            "read_matrix: /sims/theta in " + path + " does not exist");
  EXPECT_EQ(error_message([&] { f.read_matrix("/group"); }),
            "read_matrix: /group in " + path + " is not a dataset");
  EXPECT_EQ(error_message([&] { f.shape("/nope"); }),
            "shape: /nope in " + path + " does not exist");
  // read_array takes any rank.
  std::vector<size_t> shape;
  EXPECT_EQ(f.read_array("/cube", &shape), std::vector<double>(8, 1.0));
  EXPECT_EQ(shape, (std::vector<size_t>{2, 2, 2}));
}

TEST(H5Datasets, NanPolicyRejectNamesRowAndColumn) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("nan.h5");
  Eigen::MatrixXd m = Eigen::MatrixXd::Ones(2, 4);
  m(1, 2) = std::nan("");
  H5File f = H5File::create(path);
  f.write_matrix("/x", m);
  EXPECT_TRUE(std::isnan(f.read_matrix("/x")(1, 2)));  // allowed by default
  EXPECT_EQ(error_message([&] { f.read_matrix("/x", 2, NanPolicy::kReject); }),
            "read_matrix: /x in " + path + " has a non-finite value (nan) at row 2, column 1");
}

TEST(H5Datasets, WritingOverAnExistingDatasetIsAnError) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("w.h5");
  H5File f = H5File::create(path);
  f.write_vector("/v", Eigen::VectorXd::Ones(2));
  EXPECT_EQ(error_message([&] { f.write_vector("/v", Eigen::VectorXd::Zero(2)); }),
            "write_vector: /v in " + path + " already exists");
  EXPECT_EQ(f.read_vector("/v"), Eigen::VectorXd::Ones(2));
  EXPECT_EQ(error_message([&] { f.write_array("/a", {2, 2}, {1, 2, 3}); }),
            "write_array: /a in " + path + ": shape (2, 2) holds 4 values, got 3");
}

}  // namespace
}  // namespace sbi::io
