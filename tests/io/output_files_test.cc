// OutputFiles: nothing replaced unless the whole write succeeded, inputs never overwritten,
// no special file replaced, several outputs all or nothing, temporaries gone on signals.
#include "io/output_files.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "io/h5_file.h"
#include "testing/temp_dir.h"
#include "tests/io/error_message.h"

namespace sbi::io {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::error_message;

size_t count_entries(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

bool can_create_file_in(const std::string& dir) {
  const std::string probe = dir + "/probe_" + std::to_string(getpid());
  std::ofstream out(probe);
  if (!out) return false;
  out.close();
  fs::remove(probe);
  return true;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_vector_file(OutputFiles& out, const std::string& path, double value, long n = 3) {
  out.write_hdf5(path, [&](H5File& f) { f.write_vector("/x", Eigen::VectorXd::Constant(n, value)); });
}

// Lowers the soft file-size limit (as `ulimit -f` does) for one scope, with SIGXFSZ ignored
// so that an oversized write fails with EFBIG instead of killing the test.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &previous_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = previous_;
    limit.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &previous_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit previous_{};
  void (*old_handler_)(int) = nullptr;
};

TEST(OutputFiles, TempFileIsBesideTheTargetUniqueAndReservedAtAdd) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("posterior.h5");
  OutputFiles a, b;
  const std::string ta = a.add(path), tb = b.add(path);
  EXPECT_EQ(ta.rfind(path + ".tmp." + std::to_string(getpid()) + ".", 0), 0u) << ta;
  EXPECT_NE(ta, tb);
  EXPECT_TRUE(fs::exists(ta));
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(a.add(path), ta);  // adding again returns the same temporary
}

TEST(OutputFiles, NothingIsLeftWithoutCommit) {
  sbi::testing::TempDir dir;
  {
    OutputFiles out;
    write_vector_file(out, dir.file("out.h5"), 1.0, 100);
    out.write_text(dir.file("fig.svg"), "<svg/>");
  }
  EXPECT_EQ(count_entries(dir.path()), 0u);
}

TEST(OutputFiles, AnExceptionMidWriteLeavesThePreviousFileAsItWas) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("out.h5");
  std::ofstream(path) << "old contents";
  const std::string message = error_message([&] {
    OutputFiles out;
    out.write_hdf5(path, [](H5File& f) {
      f.write_vector("/x", Eigen::VectorXd::Ones(100));
      f.read_matrix("/x", 3);  // throws: /x has 1 column
    });
    out.commit();
  });
  EXPECT_TRUE(contains(message, "has 1 column, expected 3")) << message;
  EXPECT_EQ(read_text(path), "old contents");
  EXPECT_EQ(count_entries(dir.path()), 1u);
}

TEST(OutputFiles, CommitReplacesTheOldFileOnlyAtTheEnd) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("out.h5");
  std::ofstream(path) << "old contents";
  OutputFiles out;
  write_vector_file(out, path, 2.5);
  EXPECT_EQ(read_text(path), "old contents");  // untouched until commit
  out.commit();
  EXPECT_TRUE(out.committed());
  EXPECT_EQ(H5File::open_read(path).read_vector("/x"), Eigen::VectorXd::Constant(3, 2.5));
  EXPECT_EQ(count_entries(dir.path()), 1u);
  EXPECT_EQ(error_message([&] { out.commit(); }), "OutputFiles::commit: already committed");
}

TEST(OutputFiles, AReservedOutputNeverWrittenCommitsNothing) {
  sbi::testing::TempDir dir;
  std::ofstream(dir.file("a.txt")) << "old a";
  OutputFiles out;
  out.write_text(dir.file("a.txt"), "new a");
  out.add(dir.file("b.txt"));
  EXPECT_EQ(error_message([&] { out.commit(); }),
            "cannot write " + dir.file("b.txt") +
                ": it was reserved but never written (nothing is replaced)");
  EXPECT_EQ(read_text(dir.file("a.txt")), "old a");
}

TEST(OutputFiles, MissingDirectoryFailsAtAdd) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("no/such/dir/out.h5");
  EXPECT_EQ(error_message([&] { OutputFiles().add(path); }),
            "cannot write " + path + ": directory " + dir.file("no/such/dir") + " does not exist");
}

TEST(OutputFiles, TargetThatIsADirectoryIsRefused) {
  sbi::testing::TempDir dir;
  fs::create_directory(dir.file("out.h5"));
  EXPECT_EQ(error_message([&] { OutputFiles().add(dir.file("out.h5")); }),
            "cannot write " + dir.file("out.h5") +
                ": it is a directory, and outputs replace only regular files");
}

TEST(OutputFiles, SpecialFilesAreNeverReplaced) {
  EXPECT_EQ(error_message([&] { OutputFiles().add("/dev/null"); }),
            "cannot write /dev/null: it is a character device, and outputs replace only "
            "regular files");
  struct stat info {};
  ASSERT_EQ(stat("/dev/null", &info), 0);
  EXPECT_TRUE(S_ISCHR(info.st_mode));
  sbi::testing::TempDir dir;
  ASSERT_EQ(mkfifo(dir.file("pipe").c_str(), 0600), 0);
  EXPECT_EQ(error_message([&] { OutputFiles().add(dir.file("pipe")); }),
            "cannot write " + dir.file("pipe") +
                ": it is a named pipe, and outputs replace only regular files");
  EXPECT_EQ(count_entries(dir.path()), 1u);
}

TEST(OutputFiles, AnInputIsNeverAnOutputWhateverItsName) {
  sbi::testing::TempDir dir;
  const std::string input = dir.file("sims.h5");
  std::ofstream(input) << "precious";
  fs::create_symlink(input, dir.file("link.h5"));
  ASSERT_EQ(link(input.c_str(), dir.file("hard.h5").c_str()), 0);
  const std::string dotted = dir.path().string() + "/./sims.h5";
  EXPECT_EQ(error_message([&] { OutputFiles({input}).add(input); }),
            "cannot write " + input + ": it is the input file " + input +
                "; choose another output name");
  for (const std::string& alias : {dotted, dir.file("link.h5"), dir.file("hard.h5")}) {
    EXPECT_EQ(error_message([&] { OutputFiles({input}).add(alias); }),
              "cannot write " + alias + ": it is the input file " + input +
                  " (the same file); choose another output name");
  }
  EXPECT_EQ(read_text(input), "precious");
  EXPECT_EQ(count_entries(dir.path()), 3u);  // sims.h5, link.h5, hard.h5: no temporaries
}

TEST(OutputFiles, TheSameOutputTwiceIsRefused) {
  sbi::testing::TempDir dir;
  OutputFiles out;
  out.add(dir.file("a.svg"));
  const std::string again = dir.path().string() + "/./a.svg";
  EXPECT_EQ(error_message([&] { out.add(again); }),
            "cannot write " + again + ": it is also the output " + dir.file("a.svg") +
                "; each output needs its own file");
}

TEST(OutputFiles, ASymbolicLinkIsFollowedAndKept) {
  sbi::testing::TempDir dir;
  fs::create_directory(dir.file("real"));
  std::ofstream(dir.file("real/model.h5")) << "old";
  fs::create_symlink(dir.file("real/model.h5"), dir.file("model.h5"));
  OutputFiles out;
  out.write_text(dir.file("model.h5"), "new");
  out.commit();
  EXPECT_TRUE(fs::is_symlink(dir.file("model.h5")));
  EXPECT_EQ(read_text(dir.file("real/model.h5")), "new");
  fs::create_symlink(dir.file("real/missing.h5"), dir.file("dangling.h5"));
  EXPECT_TRUE(contains(error_message([&] { OutputFiles().add(dir.file("dangling.h5")); }),
                       "it is a symbolic link to a missing file"));
}

TEST(OutputFiles, UnwritableDirectoryFailsAtAdd) {
  sbi::testing::TempDir dir;
  std::string target_dir = dir.file("locked");
  fs::create_directory(target_dir);
  chmod(target_dir.c_str(), 0555);
  // root ignores permission bits; sysfs refuses new files even to root.
  if (can_create_file_in(target_dir)) target_dir = "/sys";
  if (can_create_file_in(target_dir)) {
    chmod(dir.file("locked").c_str(), 0755);
    GTEST_SKIP() << "no unwritable directory available";
  }
  const std::string path = target_dir + "/out.h5";
  EXPECT_EQ(error_message([&] { OutputFiles().add(path); }),
            "cannot write " + path + ": Permission denied");
  chmod(dir.file("locked").c_str(), 0755);  // let TempDir clean up
}

// The defect of issue 11.1: a failed HDF5 close (file size limit, full disk) was ignored and
// the corrupt temporary renamed over the good file.
TEST(OutputFiles, AFailedHdf5WriteLeavesThePreviousFileByteForByte) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("model.h5");
  {
    OutputFiles out;
    write_vector_file(out, path, 1.0, 10);
    out.commit();
  }
  const std::string before = read_text(path);
  std::string message;
  {
    FileSizeLimit limit(64 * 1024);
    message = error_message([&] {
      OutputFiles out;
      write_vector_file(out, path, 7.0, 1 << 20);  // 8 MiB of data
      out.commit();
    });
  }
  EXPECT_TRUE(contains(message, "model.h5")) << message;
  EXPECT_EQ(read_text(path), before);
  EXPECT_EQ(count_entries(dir.path()), 1u);
}

// In-memory staging (training checkpoints): the same file, written by plain checked writes;
// a failure leaves the previous file, and a later write on a freed disk succeeds.
TEST(OutputFiles, InMemoryStagingWritesTheSameFileAndFailsCleanly) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("checkpoint.h5");
  const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(5000, -1.0, 2.0);
  const auto fill = [&](H5File& f) {
    f.write_vector("/x", x);
    f.set_attr("/", "epoch", std::int64_t{7});
  };
  write_hdf5_file(path, fill, {}, HdfStaging::kInMemory);
  {
    H5File f = H5File::open_read(path);
    EXPECT_EQ(f.read_vector("/x"), x);
    EXPECT_EQ(f.get_int_attr("/", "epoch"), 7);
  }
  const std::string before = read_text(path);
  for (int attempt = 0; attempt < 3; ++attempt) {  // again and again, as every epoch would
    FileSizeLimit limit(16 * 1024);
    const std::string message = error_message([&] {
      write_hdf5_file(path, [&](H5File& f) { f.write_vector("/x", Eigen::VectorXd::Ones(1 << 16)); }, {},
                      HdfStaging::kInMemory);
    });
    EXPECT_TRUE(contains(message, "checkpoint.h5") && contains(message, "File too large")) << message;
  }
  EXPECT_EQ(read_text(path), before);
  EXPECT_EQ(count_entries(dir.path()), 1u);
  write_hdf5_file(path, [&](H5File& f) { f.write_vector("/x", Eigen::VectorXd::Ones(1 << 16)); }, {},
                  HdfStaging::kInMemory);
  EXPECT_EQ(H5File::open_read(path).read_vector("/x"), Eigen::VectorXd::Ones(1 << 16));
}

TEST(OutputFiles, AFailedTextWriteLeavesThePreviousFileByteForByte) {
  sbi::testing::TempDir dir;
  const std::string path = dir.file("corner.svg");
  std::ofstream(path) << "<svg>old</svg>";
  std::string message;
  {
    FileSizeLimit limit(64 * 1024);
    message = error_message([&] {
      OutputFiles out;
      out.write_text(path, std::string(1 << 20, 'x'));
      out.commit();
    });
  }
  EXPECT_TRUE(contains(message, "cannot write " + path + ": ")) << message;
  EXPECT_TRUE(contains(message, "too large")) << message;  // EFBIG: "File too large"
  EXPECT_EQ(read_text(path), "<svg>old</svg>");
  EXPECT_EQ(count_entries(dir.path()), 1u);
}

// Several outputs land together: when the second rename fails, the first is put back.
TEST(OutputFiles, AFailedRenameRestoresTheOutputsAlreadyReplaced) {
  sbi::testing::TempDir dir;
  std::ofstream(dir.file("a.txt")) << "old a";
  {
    OutputFiles out;
    out.write_text(dir.file("a.txt"), "new a");
    out.write_text(dir.file("b.txt"), "new b");
    out.write_text(dir.file("c.txt"), "new c");
    // Someone makes b.txt a non-empty directory between the checks and the commit.
    fs::create_directories(dir.file("b.txt/inside"));
    EXPECT_TRUE(contains(error_message([&] { out.commit(); }),
                         "(the other outputs were restored)"));
    EXPECT_EQ(read_text(dir.file("a.txt")), "old a");
    EXPECT_FALSE(fs::exists(dir.file("c.txt")));
    EXPECT_TRUE(fs::is_directory(dir.file("b.txt")));
  }
  EXPECT_EQ(count_entries(dir.path()), 2u);  // a.txt and the directory: no temporary, no backup
}

TEST(OutputFiles, DropForgetsAnOptionalOutput) {
  sbi::testing::TempDir dir;
  OutputFiles out;
  out.write_text(dir.file("fig.svg"), "<svg/>");
  out.add(dir.file("fig.png"));
  out.drop(dir.file("fig.png"));
  out.commit();
  EXPECT_EQ(out.paths(), std::vector<std::string>{dir.file("fig.svg")});
  EXPECT_EQ(count_entries(dir.path()), 1u);
}

// SIGTERM / SIGINT while an output is being written: the temporaries go, the process dies
// of the signal as usual, and the previous file is untouched.
TEST(OutputFiles, TerminationSignalsRemoveTheTemporaries) {
  for (int signal_number : {SIGTERM, SIGINT, SIGHUP}) {
    sbi::testing::TempDir dir;
    std::ofstream(dir.file("out.txt")) << "old";
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      OutputFiles out;
      out.add(dir.file("out.txt"));
      out.add(dir.file("other.txt"));
      raise(signal_number);
      _exit(0);  // not reached
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "signal " << signal_number;
    EXPECT_EQ(WTERMSIG(status), signal_number);
    EXPECT_EQ(read_text(dir.file("out.txt")), "old");
    EXPECT_EQ(count_entries(dir.path()), 1u) << "signal " << signal_number;
  }
}

// The signal handled on one thread while another creates, commits or gives up temporaries
// (training's checkpoints are written while OpenMP workers run, and a commit blocks the
// signals on its own thread only): no temporary may be left behind. Before the handler
// waited for the other threads' steps, ~1 kill in 40 of `sbi train` left one (CI, 2 cores).
TEST(OutputFiles, ATerminationSignalOnAnotherThreadLeavesNoTemporary) {
  constexpr int kKills = 200;
  for (int i = 0; i < kKills; ++i) {
    sbi::testing::TempDir dir;
    std::ofstream(dir.file("out.txt")) << "old";
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      std::thread writer([&] {
        for (bool told = false;; told = true) {
          {
            OutputFiles out;
            out.add(dir.file("given_up.txt"));
          }
          OutputFiles out;
          out.write_text(dir.file("out.txt"), "new");
          out.commit();
          if (!told) (void)!write(ready[1], "x", 1);
        }
      });
      for (volatile unsigned long spin = 0;; spin = spin + 1) {
      }  // this thread takes the signal; the writer keeps going meanwhile
    }
    close(ready[1]);
    char byte = 0;
    ASSERT_EQ(read(ready[0], &byte, 1), 1);
    close(ready[0]);
    std::this_thread::sleep_for(std::chrono::microseconds(100 * (i % 20)));
    kill(child, SIGTERM);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status));
    ASSERT_EQ(count_entries(dir.path()), 1u) << "kill " << i << " left a temporary";
    ASSERT_EQ(read_text(dir.file("out.txt")), "new");  // committed before `ready`, never torn
  }
}

TEST(OutputFiles, WriteHdf5FileAndWriteTextFileCommitAtOnce) {
  sbi::testing::TempDir dir;
  write_hdf5_file(dir.file("a.h5"), [](H5File& f) { f.write_vector("/x", Eigen::VectorXd::Ones(2)); });
  write_text_file(dir.file("b.txt"), "hello");
  EXPECT_EQ(H5File::open_read(dir.file("a.h5")).read_vector("/x"), Eigen::VectorXd::Ones(2));
  EXPECT_EQ(read_text(dir.file("b.txt")), "hello");
  EXPECT_EQ(error_message([&] { write_text_file(dir.file("b.txt"), "x", {dir.file("b.txt")}); }),
            "cannot write " + dir.file("b.txt") + ": it is the input file " + dir.file("b.txt") +
                "; choose another output name");
}

}  // namespace
}  // namespace sbi::io
