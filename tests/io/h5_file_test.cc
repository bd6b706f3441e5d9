// H5File: opening files and navigating groups.
#include "io/h5_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "testing/temp_dir.h"
#include "tests/io/error_message.h"
#include "tests/io/raw_h5.h"

namespace sbi::io {
namespace {

using testing::contains;
using testing::error_message;

TEST(H5FileOpen, MissingFileNamesThePath) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("missing.h5");
  EXPECT_EQ(error_message([&] { H5File::open_read(path); }),
            "open_read: cannot open " + path + ": no such file");
}

TEST(H5FileOpen, TextFileIsNotHdf5) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("notes.h5");
  std::ofstream(path) << "theta,x\n1,2\n";
  EXPECT_EQ(error_message([&] { H5File::open_read(path); }),
            "open_read: " + path + " is not an HDF5 file");
}

TEST(H5FileOpen, TruncatedFileIsReported) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("sims.h5");
  {
    H5File f = H5File::create(path);
    f.write_matrix("/theta", Eigen::MatrixXd::Random(10, 1000));  // 80 kB of raw data
  }
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  const std::string message = error_message([&] { H5File::open_read(path); });
  EXPECT_TRUE(contains(message, "open_read: " + path + " is truncated or corrupt")) << message;
}

TEST(H5FileOpen, DirectoryIsReported) {
  sbi::testing::TempDir dir;
  EXPECT_EQ(error_message([&] { H5File::open_read(dir.path().string()); }),
            "open_read: cannot open " + dir.path().string() + ": is a directory");
}

TEST(H5FileOpen, ReadOnlyFileRefusesWrites) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("ro.h5");
  H5File::create(path).write_vector("/v", Eigen::VectorXd::Ones(2));
  H5File f = H5File::open_read(path);
  EXPECT_EQ(error_message([&] { f.write_vector("/w", Eigen::VectorXd::Ones(2)); }),
            "write_vector: " + path + " is open read-only");
  EXPECT_EQ(f.read_vector("/v"), Eigen::VectorXd::Ones(2));
}

TEST(H5FileOpen, ReadWriteAppendsToAnExistingFile) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("rw.h5");
  H5File::create(path).write_vector("/v", Eigen::VectorXd::Constant(2, 3.0));
  H5File::open_read_write(path).write_vector("/w", Eigen::VectorXd::Constant(2, 4.0));
  H5File f = H5File::open_read(path);
  EXPECT_EQ(f.list(), (std::vector<std::string>{"v", "w"}));
  EXPECT_EQ(f.read_vector("/w")(1), 4.0);
}

TEST(H5FileOpen, MovedFromFileIsClosed) {
  sbi::testing::TempDir dir;
  H5File a = H5File::create(dir.file("m.h5"));
  H5File b = std::move(a);
  b.write_vector("/v", Eigen::VectorXd::Ones(1));
  EXPECT_TRUE(b.has("/v"));
  EXPECT_TRUE(contains(error_message([&] { a.has("/v"); }), "is closed"));
}

TEST(H5FileNavigation, HasWalksNestedPaths) {
  sbi::testing::TempDir dir;
  H5File f = H5File::create(dir.file("a.h5"));
  f.write_vector("/a/b/c", Eigen::VectorXd::Ones(3));
  EXPECT_TRUE(f.has("/"));
  EXPECT_TRUE(f.has("/a"));
  EXPECT_TRUE(f.has("/a/b/c"));
  EXPECT_TRUE(f.has("a/b/c"));
  EXPECT_FALSE(f.has("/a/x/c"));
  EXPECT_FALSE(f.has("/x/y/z"));
  EXPECT_FALSE(f.has("/a/b/c/d"));  // c is a dataset
  EXPECT_TRUE(f.is_group("/a/b"));
  EXPECT_TRUE(f.is_dataset("/a/b/c"));
  EXPECT_FALSE(f.is_dataset("/a/b"));
  EXPECT_FALSE(f.is_group("/nope"));
}

TEST(H5FileNavigation, ListKeepsCreationOrderAndTracksIt) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("order.h5");
  {
    H5File f = H5File::create(path);
    f.write_vector("/zeta", Eigen::VectorXd::Zero(1));
    f.write_vector("/alpha", Eigen::VectorXd::Zero(1));
    f.write_vector("/group/y", Eigen::VectorXd::Zero(1));
    f.write_vector("/group/b", Eigen::VectorXd::Zero(1));
    f.create_group("/empty/inner");
    EXPECT_EQ(f.list(), (std::vector<std::string>{"zeta", "alpha", "group", "empty"}));
    EXPECT_EQ(f.list("/group"), (std::vector<std::string>{"y", "b"}));
    EXPECT_EQ(f.list("/empty"), (std::vector<std::string>{"inner"}));
  }
  // Tracked and indexed on the root and on groups made by io/ (POSTERIOR_FORMAT.md rule 4).
  testing::RawFile raw = testing::RawFile::open(path, false);
  const unsigned both = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
  for (const char* group : {"/", "/group", "/empty/inner"}) {
    const auto [links, attrs] = testing::group_creation_order(raw.id(), group);
    EXPECT_EQ(links, both) << group;
    EXPECT_EQ(attrs, both) << group;
  }
}

TEST(H5FileNavigation, ListFallsBackToNamesWithoutCreationOrder) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("plain.h5");
  {
    testing::RawFile raw = testing::RawFile::create(path);  // default plists: no order tracked
    const std::vector<double> one = {1.0};
    testing::write_raw_dataset(raw.id(), "/zeta", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {1}, one);
    testing::write_raw_dataset(raw.id(), "/alpha", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {1}, one);
  }
  EXPECT_EQ(H5File::open_read(path).list(), (std::vector<std::string>{"alpha", "zeta"}));
}

TEST(H5FileNavigation, ListOfMissingGroupAndDatasetAsGroupAreErrors) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("l.h5");
  H5File f = H5File::create(path);
  f.write_vector("/v", Eigen::VectorXd::Zero(1));
  EXPECT_EQ(error_message([&] { f.list("/g"); }), "list: /g in " + path + " does not exist");
  EXPECT_EQ(error_message([&] { f.list("/v"); }), "list: /v in " + path + " is not a group");
  EXPECT_EQ(error_message([&] { f.create_group("/v/w"); }),
            "create_group: /v in " + path + " exists and is not a group");
}

}  // namespace
}  // namespace sbi::io
