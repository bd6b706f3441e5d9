// Nothing lost, ever (issue 11), as a user meets it on the command line: a full disk or a
// file size limit leaves the previous output byte for byte, an output is never one of the
// inputs or a special file, several outputs land all or nothing, and flags that are not
// what they seem are errors.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "io/h5_file.h"
#include "testing/temp_dir.h"
#include "tests/apps/cli_runner.h"

namespace sbi {
namespace {

namespace fs = std::filesystem;

bool has_temporaries(const std::string& dir) { return !temporaries(dir).empty(); }

void expect_one_error_line(const CliRun& r, const std::string& expected) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const size_t last_line = r.err.rfind("sbi: error: ");
  ASSERT_NE(last_line, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n', last_line), r.err.size() - 1) << r.err;  // one line, the last
  EXPECT_NE(r.err.find(expected, last_line), std::string::npos) << r.err;
}

// Inputs made once: simulations, an observation, a small model and its posterior.
class DataSafetyCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    const std::string d = dir_->path().string() + "/";
    ASSERT_EQ(sbi(*dir_, "simulate --task two_moons --num 2000 --seed 1 --out " + d + "sims.h5").exit_code, 0);
    ASSERT_EQ(sbi(*dir_, "simulate --task two_moons --num 1 --seed 5 --out " + d + "obs.h5").exit_code, 0);
    ASSERT_EQ(sbi(*dir_, "train --data " + d + "sims.h5 --out " + d + "model.h5 --max-epochs 2 "
                         "--patience 0 --hidden 16 --transforms 2").exit_code, 0);
    ASSERT_EQ(sbi(*dir_, "sample --model " + d + "model.h5 --observation " + d + "obs.h5 --num 2000 "
                         "--out " + d + "post.h5").exit_code, 0);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string in(const std::string& name) { return dir_->file(name); }

  static testing::TempDir* dir_;
};

testing::TempDir* DataSafetyCli::dir_ = nullptr;

// Every command that writes, with {OUT} for its output directory. Each writes a file of
// several KiB, so that a 2 KiB file size limit makes every one of them fail.
std::map<std::string, std::string> writing_commands(const std::string& inputs) {
  return {
      {"simulate", "simulate --task two_moons --num 2000 --seed 1 --out {OUT}/sims.h5"},
      {"train", "train --data " + inputs + "/sims.h5 --out {OUT}/model.h5 --max-epochs 1 --patience 0"},
      {"sample", "sample --model " + inputs + "/model.h5 --observation " + inputs +
                     "/obs.h5 --num 2000 --out {OUT}/post.h5"},
      {"map", "map --model " + inputs + "/model.h5 --observation " + inputs + "/obs.h5 --out {OUT}/map.h5"},
      {"diagnose", "diagnose --model " + inputs + "/model.h5 --task two_moons --num-sbc 20 "
                   "--num-posterior-samples 50 --out {OUT}/report.h5"},
      {"plot", "plot corner " + inputs + "/post.h5 --out {OUT}/corner.svg"},
      {"export csv", "export " + inputs + "/post.h5 --format csv --out {OUT}/chains"},
      {"export getdist", "export " + inputs + "/post.h5 --format getdist --out {OUT}/chains"},
  };
}

std::string with_out(std::string command, const std::string& out) {
  const std::string key = "{OUT}";
  for (size_t at = command.find(key); at != std::string::npos; at = command.find(key, at))
    command.replace(at, key.size(), out);
  return command;
}

std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(dir))
    files[entry.path().filename().string()] = read_bytes(entry.path().string());
  return files;
}

// Issue 11.1: with `ulimit -f`, every command fails with one error line and leaves the
// outputs of a previous good run byte for byte (and no temporary behind).
TEST_F(DataSafetyCli, AFileSizeLimitLeavesEveryPreviousOutputUnchanged) {
  for (const auto& [name, command] : writing_commands(dir_->path().string())) {
    SCOPED_TRACE(name);
    testing::TempDir out;
    const std::string args = with_out(command, out.path().string());
    const CliRun good = sbi(out, args);
    ASSERT_EQ(good.exit_code, 0) << good.err;
    fs::remove(out.file("stdout.txt"));
    fs::remove(out.file("stderr.txt"));
    const std::map<std::string, std::string> before = snapshot(out.path().string());
    size_t largest = 0;
    for (const auto& [file, bytes] : before) largest = std::max(largest, bytes.size());
    ASSERT_GT(largest, 4096u);

    // /bin/sh counts in 512-byte blocks: 2 KiB. SIGXFSZ ignored, so writes fail with EFBIG.
    const CliRun limited = sbi(out, args, "trap '' XFSZ; ulimit -f 4; ");
    expect_one_error_line(limited, "File too large");
    fs::remove(out.file("stdout.txt"));
    fs::remove(out.file("stderr.txt"));
    EXPECT_EQ(snapshot(out.path().string()), before);
  }
}

// The same on a real full filesystem: a 1 MiB tmpfs filled up (needs root; skipped
// otherwise).
TEST_F(DataSafetyCli, AFullDiskLeavesEveryPreviousOutputUnchanged) {
  testing::TempDir mount_point;
  const std::string mnt = mount_point.file("full");
  fs::create_directory(mnt);
  if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs (" << std::strerror(errno) << "): needs root";
  }
  for (const auto& [name, command] : writing_commands(dir_->path().string())) {
    SCOPED_TRACE(name);
    for (const auto& entry : fs::directory_iterator(mnt)) fs::remove_all(entry.path());
    const std::string args = with_out(command, mnt);
    const CliRun good = sbi(mount_point, args);
    ASSERT_EQ(good.exit_code, 0) << good.err;
    const std::map<std::string, std::string> before = snapshot(mnt);
    {  // Fill what is left of the filesystem.
      std::FILE* filler = std::fopen((mnt + "/filler").c_str(), "wb");
      ASSERT_NE(filler, nullptr);
      const std::string block(4096, 'f');
      while (std::fwrite(block.data(), 1, block.size(), filler) == block.size() && std::fflush(filler) == 0) {
      }
      std::fclose(filler);
    }
    const std::string filler = read_bytes(mnt + "/filler");
    const CliRun full = sbi(mount_point, args);
    expect_one_error_line(full, "No space left on device");
    fs::remove(mnt + "/filler");
    EXPECT_EQ(snapshot(mnt), before);
  }
  umount(mnt.c_str());
}

// Issue 11.2: an output that is one of the inputs is refused, whatever it is called.
TEST_F(DataSafetyCli, AnOutputThatIsAnInputIsRefused) {
  testing::TempDir dir;
  for (const char* name : {"sims.h5", "obs.h5", "model.h5", "post.h5"})
    fs::copy_file(in(name), dir.file(name));
  fs::create_symlink(dir.file("model.h5"), dir.file("alias.h5"));
  const std::map<std::string, std::string> before = snapshot(dir.path().string());
  const std::string d = dir.path().string() + "/";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"train --data " + d + "sims.h5 --out " + d + "sims.h5 --max-epochs 1", d + "sims.h5"},
      {"sample --model " + d + "model.h5 --observation " + d + "obs.h5 --out " + d + "model.h5", d + "model.h5"},
      {"sample --model " + d + "model.h5 --observation " + d + "obs.h5 --out " + d + "obs.h5", d + "obs.h5"},
      {"sample --model " + d + "alias.h5 --observation " + d + "obs.h5 --out " + d + "model.h5", d + "alias.h5"},
      {"map --model " + d + "model.h5 --observation " + d + "obs.h5 --out " + d + "./obs.h5", d + "obs.h5"},
      {"plot corner " + d + "post.h5 --out " + d + "post.h5", d + "post.h5"},
      {"simulate --task two_moons --theta " + d + "obs.h5 --out " + d + "obs.h5", d + "obs.h5"},
      {"diagnose --model " + d + "model.h5 --task two_moons --num-sbc 5 --out " + d + "alias.h5", d + "model.h5"},
  };
  for (const auto& [args, input] : cases) {
    SCOPED_TRACE(args);
    const CliRun r = sbi(dir, args);
    expect_one_error_line(r, "it is the input file " + input);
    fs::remove(dir.file("stdout.txt"));
    fs::remove(dir.file("stderr.txt"));
    EXPECT_EQ(snapshot(dir.path().string()), before);
  }
  // export: ROOT.csv is the posterior file itself.
  fs::copy_file(in("post.h5"), dir.file("chains.csv"));
  const std::string chains = read_bytes(dir.file("chains.csv"));
  expect_one_error_line(sbi(dir, "export " + d + "chains.csv --format csv --out " + d + "chains"),
                        "it is the input file " + d + "chains.csv");
  EXPECT_EQ(read_bytes(dir.file("chains.csv")), chains);
}

// Issue 11.3: the rename never replaces a special file (as root, /dev/null became a
// regular file).
TEST_F(DataSafetyCli, SpecialFilesAreNeverReplaced) {
  testing::TempDir dir;
  expect_one_error_line(sbi(dir, "simulate --task two_moons --num 10 --out /dev/null"),
                        "cannot write /dev/null: it is a character device");
  struct stat info {};
  ASSERT_EQ(stat("/dev/null", &info), 0);
  EXPECT_TRUE(S_ISCHR(info.st_mode));
  EXPECT_FALSE(has_temporaries("/dev"));
}

// Issue 11.4: GetDist's four files land together or not at all; diagnose's report and
// figures likewise.
TEST_F(DataSafetyCli, MultiFileOutputsAreAllOrNothing) {
  testing::TempDir dir;
  const std::string d = dir.path().string() + "/";
  fs::create_directory(dir.file("chains.ranges"));  // the third of the four files cannot be written
  expect_one_error_line(sbi(dir, "export " + in("post.h5") + " --format getdist --out " + d + "chains"),
                        "cannot write " + d + "chains.ranges: it is a directory");
  for (const char* f : {"chains.txt", "chains.paramnames", "chains.properties.ini"})
    EXPECT_FALSE(fs::exists(dir.file(f))) << f;
  EXPECT_FALSE(has_temporaries(dir.path().string()));

  fs::create_directory(dir.file("report_coverage.svg"));
  expect_one_error_line(sbi(dir, "diagnose --model " + in("model.h5") +
                                     " --task two_moons --num-sbc 5 --out " + d + "report.h5"),
                        "report_coverage.svg: it is a directory");
  EXPECT_FALSE(fs::exists(dir.file("report.h5")));
  EXPECT_FALSE(fs::exists(dir.file("report_sbc.svg")));
  EXPECT_FALSE(has_temporaries(dir.path().string()));
}

// Issue 11.5 and 11.6: resources and seeds.
TEST_F(DataSafetyCli, HugeSizesAreRefusedAndThreadsCapped) {
  testing::TempDir dir;
  CliRun r = sbi(dir, "simulate --task two_moons --num 100 --threads 100000 --out " + dir.file("s.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("--threads 100000 is more than the"), std::string::npos) << r.err;
  r = sbi(dir, "simulate --task two_moons --num 1000000000000 --out " + dir.file("big.h5"));
  expect_one_error_line(r, "--num 1000000000000 simulations of two_moons needs 29.1 TiB, more than this machine's");
  EXPECT_FALSE(fs::exists(dir.file("big.h5")));
  r = sbi(dir, "plot corner " + in("post.h5") + " --bins 1000000 --out " + dir.file("c.svg"));
  expect_one_error_line(r, "bins must be at most 1000");
  r = sbi(dir, "plot corner " + in("post.h5") + " --bins 10000000000 --out " + dir.file("c.svg"));
  expect_one_error_line(r, "--bins 10000000000 is out of range");
}

TEST_F(DataSafetyCli, TheLargestSeedIsStoredExactly) {
  testing::TempDir dir;
  const CliRun r = sbi(dir, "simulate --task two_moons --num 3 --seed 18446744073709551615 --out " + dir.file("s.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  io::H5File f = io::H5File::open_read(dir.file("s.h5"));
  EXPECT_EQ(f.attr_dtype("/", "seed"), "uint64");
  EXPECT_EQ(f.get_uint64_attr("/", "seed"), 18446744073709551615ULL);
}

// Issue 11.7: messages that say what is wrong; every error exits 1.
TEST_F(DataSafetyCli, FlagMistakesAreClearErrors) {
  testing::TempDir dir;
  expect_one_error_line(sbi(dir, "train --data --out " + dir.file("o.h5")),
                        "--data needs a value, but is followed by the flag --out");
  expect_one_error_line(sbi(dir, "simulate --task gaussian_linear --param dim=2 --param dim=3 --num 5 --out " +
                                     dir.file("o.h5")),
                        "--param dim=... is given more than once");
  expect_one_error_line(sbi(dir, "train --data " + in("sims.h5") + " extra --out " + dir.file("o.h5")),
                        "unexpected argument 'extra' (this command takes only --flags)");
  expect_one_error_line(sbi(dir, "info " + in("sims.h5") + " " + in("obs.h5")),
                        "unexpected argument '" + in("obs.h5") + "'");
  expect_one_error_line(sbi(dir, "frobnicate"), "unknown command 'frobnicate'");
  EXPECT_EQ(sbi(dir, "").exit_code, 1);
  EXPECT_FALSE(fs::exists(dir.file("o.h5")));
}

// Issue 11.6 and 11.7: an observation file of zero rows is an error for map and sample
// (not an empty output, not a message from the posterior writer), and --nonfinite error
// names the flag that exists.
TEST_F(DataSafetyCli, EmptyObservationsAndNonFiniteRowsAreExplained) {
  testing::TempDir dir;
  {
    io::H5File f = io::H5File::create(dir.file("empty.h5"));
    f.write_matrix("/x", Eigen::MatrixXd(2, 0));
  }
  for (const char* command : {"map", "sample"}) {
    SCOPED_TRACE(command);
    expect_one_error_line(sbi(dir, std::string(command) + " --model " + in("model.h5") +
                                       " --observation " + dir.file("empty.h5") + " --out " +
                                       dir.file("out.h5")),
                          dir.file("empty.h5") + ": /x holds no observations (0 rows)");
    EXPECT_FALSE(fs::exists(dir.file("out.h5")));
  }
  {
    io::H5File f = io::H5File::create(dir.file("nan.h5"));
    Eigen::MatrixXd theta = Eigen::MatrixXd::Zero(2, 10), x = Eigen::MatrixXd::Ones(2, 10);
    x(1, 4) = std::nan("");
    f.write_matrix("/theta", theta);
    f.write_matrix("/x", x);
  }
  expect_one_error_line(sbi(dir, "train --data " + dir.file("nan.h5") + " --out " + dir.file("m.h5") +
                                     " --nonfinite error"),
                        "/x row 4 has NaN or Inf (use --nonfinite drop to skip such rows)");
}

}  // namespace
}  // namespace sbi
