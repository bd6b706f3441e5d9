// Files that declare more than they hold: every numeric read refuses a shape that cannot fit
// in memory before allocating, with a message naming the dataset, its shape and the size.
// The files are cheap to make: a chunked dataset with a huge extent and no chunk written
// takes a few hundred bytes on disk.
#include <gtest/gtest.h>

#include <hdf5.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/memory_budget.h"
#include "io/h5_file.h"
#include "testing/temp_dir.h"
#include "tests/io/error_message.h"
#include "tests/io/raw_h5.h"

namespace sbi::io {
namespace {

using testing::contains;
using testing::error_message;
using testing::RawFile;

// A dataset `name` of shape `dims` and type `type`, chunked (1, ..., 1, min(last extent,
// 1024)), with nothing written.
void declare_huge_dataset(const std::string& path, const std::string& name,
                          const std::vector<hsize_t>& dims, hid_t type) {
  RawFile file = RawFile::create(path);
  ASSERT_GE(file.id(), 0);
  hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  std::vector<hsize_t> chunk(dims.size(), 1);
  chunk.back() = std::min<hsize_t>(dims.back(), 1024);
  ASSERT_GE(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()), 0);
  hid_t d = H5Dcreate2(file.id(), name.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  ASSERT_GE(d, 0);
  H5Dclose(d);
  H5Pclose(dcpl);
  H5Sclose(space);
}

TEST(HostileFiles, HugeMatrixIsRefusedBeforeAllocating) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("sims.h5");
  declare_huge_dataset(path, "/x", {10000000000ull, 2}, H5T_IEEE_F64LE);
  const H5File f = H5File::open_read(path);
  EXPECT_EQ(f.shape("/x"), (std::vector<size_t>{10000000000ull, 2}));
  const std::string message = error_message([&] { f.read_matrix("/x"); });
  // 10^10 x 2 x 8 bytes = 1.6e11 bytes = 149 GiB.
  EXPECT_TRUE(contains(message, "read_matrix: /x in " + path + " of shape (10000000000, 2) needs 149 GiB"))
      << message;
  EXPECT_TRUE(contains(message, "of memory allows")) << message;
}

TEST(HostileFiles, HugeArrayVectorAndIntegersAreRefused) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("big.h5");
  declare_huge_dataset(path, "/a", {1ull << 40}, H5T_IEEE_F64LE);  // 2^40 x 8 bytes = 8 TiB
  {
    RawFile file = RawFile::open(path, true);
    const hsize_t dims[1] = {1ull << 40}, chunk[1] = {1024};
    hid_t space = H5Screate_simple(1, dims, nullptr);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    ASSERT_GE(H5Pset_chunk(dcpl, 1, chunk), 0);
    const hid_t d = H5Dcreate2(file.id(), "/n", H5T_STD_I64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    ASSERT_GE(d, 0);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
  }
  const H5File f = H5File::open_read(path);
  std::vector<size_t> shape;
  std::string m = error_message([&] { f.read_array("/a", &shape); });
  EXPECT_TRUE(contains(m, "read_array: /a in " + path + " of shape (1099511627776,) needs 8 TiB")) << m;
  m = error_message([&] { f.read_vector("/a"); });
  EXPECT_TRUE(contains(m, "read_vector: /a in " + path + " of shape (1099511627776,) needs 8 TiB")) << m;
  m = error_message([&] { f.read_int64_vector("/n"); });
  EXPECT_TRUE(contains(m, "read_int64_vector: /n in " + path + " of shape (1099511627776,) needs 8 TiB"))
      << m;
}

// Extents whose product overflows 64 bits (2^32 x 2^32 x 2) must not wrap around to a small
// allocation followed by a huge read.
TEST(HostileFiles, ShapeWhoseProductOverflowsIsRefused) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("wrap.h5");
  declare_huge_dataset(path, "/a", {1ull << 32, 1ull << 32, 2}, H5T_IEEE_F64LE);
  const H5File f = H5File::open_read(path);
  std::vector<size_t> shape;
  const std::string m = error_message([&] { f.read_array("/a", &shape); });
  // 2^65 values x 8 bytes = 2^68 bytes = 256 EiB.
  EXPECT_TRUE(contains(m, "of shape (4294967296, 4294967296, 2) needs 256 EiB")) << m;
}

// A dataset that fits but was never written (or only partly) would read back as the fill
// value 0, indistinguishable from data: refused by every reader, whole or by rows.
TEST(HostileFiles, UnwrittenOrPartlyWrittenDatasetIsRefused) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("empty_chunks.h5");
  declare_huge_dataset(path, "/x", {1000, 3}, H5T_IEEE_F64LE);
  {
    // /y: chunks of 1 x 3 rows, only the first row written.
    RawFile file = RawFile::open(path, true);
    const hsize_t dims[2] = {1000, 3}, chunk[2] = {1, 3}, one[2] = {1, 3}, origin[2] = {0, 0};
    hid_t space = H5Screate_simple(2, dims, nullptr);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    ASSERT_GE(H5Pset_chunk(dcpl, 2, chunk), 0);
    const hid_t d = H5Dcreate2(file.id(), "/y", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    ASSERT_GE(d, 0);
    hid_t memory = H5Screate_simple(2, one, nullptr);
    ASSERT_GE(H5Sselect_hyperslab(space, H5S_SELECT_SET, origin, nullptr, one, nullptr), 0);
    const double row[3] = {1, 2, 3};
    ASSERT_GE(H5Dwrite(d, H5T_NATIVE_DOUBLE, memory, space, H5P_DEFAULT, row), 0);
    H5Sclose(memory);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
  }
  const H5File f = H5File::open_read(path);
  std::string m = error_message([&] { f.read_matrix("/x", 3); });
  EXPECT_TRUE(contains(m, "read_matrix: /x in " + path +
                              " of shape (1000, 3) holds no data: it was never written"))
      << m;
  m = error_message([&] { f.read_rows("/x", 0, 10); });
  EXPECT_TRUE(contains(m, "read_rows: /x in " + path + " of shape (1000, 3) holds no data")) << m;
  m = error_message([&] { f.read_matrix("/y", 3); });
  EXPECT_TRUE(contains(m, "read_matrix: /y in " + path + " of shape (1000, 3) was only partly written"))
      << m;
}

}  // namespace
}  // namespace sbi::io
