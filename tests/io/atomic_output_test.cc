// AtomicOutput: no file unless committed, atomic replacement, early writability errors.
#include "io/atomic_output.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "io/h5_file.h"
#include "testing/temp_dir.h"
#include "tests/io/error_message.h"

namespace sbi::io {
namespace {

using testing::contains;
using testing::error_message;

size_t count_entries(const std::filesystem::path& dir) {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir),
                                           std::filesystem::directory_iterator()));
}

bool can_create_file_in(const std::string& dir) {
  const std::string probe = dir + "/probe_" + std::to_string(getpid());
  std::ofstream out(probe);
  if (!out) return false;
  out.close();
  std::filesystem::remove(probe);
  return true;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(AtomicOutput, TempFileIsBesideTheTargetAndUnique) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("posterior.h5");
  AtomicOutput a(path), b(path);
  EXPECT_EQ(a.temp_path().rfind(path + ".tmp." + std::to_string(getpid()) + ".", 0), 0u)
      << a.temp_path();
  EXPECT_NE(a.temp_path(), b.temp_path());
  EXPECT_TRUE(std::filesystem::exists(a.temp_path()));  // reserved at construction
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(AtomicOutput, NothingIsLeftWithoutCommit) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("out.h5");
  {
    AtomicOutput out(path);
    H5File f = H5File::create(out.temp_path());
    f.write_vector("/x", Eigen::VectorXd::Ones(100));
  }
  EXPECT_EQ(count_entries(dir.path()), 0u);
}

TEST(AtomicOutput, AnExceptionMidWriteLeavesNoFile) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("out.h5");
  try {
    AtomicOutput out(path);
    H5File f = H5File::create(out.temp_path());
    f.write_vector("/x", Eigen::VectorXd::Ones(100));
    f.read_matrix("/x", 3);  // throws: /x has 1 column
    out.commit();
    FAIL() << "read_matrix should have thrown";
  } catch (const core::Error&) {
  }
  EXPECT_EQ(count_entries(dir.path()), 0u);
}

TEST(AtomicOutput, CommitReplacesTheOldFileOnlyAtTheEnd) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("out.h5");
  std::ofstream(path) << "old contents";
  AtomicOutput out(path);
  {
    H5File f = H5File::create(out.temp_path());
    f.write_vector("/x", Eigen::VectorXd::Constant(3, 2.5));
  }
  EXPECT_EQ(read_text(path), "old contents");  // untouched until commit
  out.commit();
  EXPECT_TRUE(out.committed());
  EXPECT_FALSE(std::filesystem::exists(out.temp_path()));
  EXPECT_EQ(H5File::open_read(path).read_vector("/x"), Eigen::VectorXd::Constant(3, 2.5));
  EXPECT_EQ(count_entries(dir.path()), 1u);
  EXPECT_EQ(error_message([&] { out.commit(); }),
            "AtomicOutput::commit: " + path + " is already committed");
}

TEST(AtomicOutput, MissingDirectoryFailsAtConstruction) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("no/such/dir/out.h5");
  EXPECT_EQ(error_message([&] { AtomicOutput out(path); }),
            "cannot write " + path + ": directory " + dir.file("no/such/dir") + " does not exist");
}

TEST(AtomicOutput, TargetThatIsADirectoryFailsAtConstruction) {
  sbi::testing::TempDir dir;
  std::filesystem::create_directory(dir.file("out.h5"));
  EXPECT_EQ(error_message([&] { AtomicOutput out(dir.file("out.h5")); }),
            "cannot write " + dir.file("out.h5") + ": it is a directory");
}

TEST(AtomicOutput, UnwritableDirectoryFailsAtConstruction) {
  sbi::testing::TempDir dir;
  std::string target_dir = dir.file("locked");
  std::filesystem::create_directory(target_dir);
  chmod(target_dir.c_str(), 0555);
  // root ignores permission bits; sysfs refuses new files even to root.
  if (can_create_file_in(target_dir)) target_dir = "/sys";
  if (can_create_file_in(target_dir)) {
    chmod(dir.file("locked").c_str(), 0755);
    GTEST_SKIP() << "no unwritable directory available";
  }
  const std::string path = target_dir + "/out.h5";
  EXPECT_EQ(error_message([&] { AtomicOutput out(path); }),
            "cannot write " + path + ": Permission denied");
  chmod(dir.file("locked").c_str(), 0755);  // let TempDir clean up
}

}  // namespace
}  // namespace sbi::io
