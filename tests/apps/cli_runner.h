// Runs the `sbi` program built with the tests (SBI_BINARY_PATH, a compile definition of the
// test executables) with stdout and stderr captured in files of a test's TempDir.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "testing/temp_dir.h"

namespace sbi {

struct CliRun {
  int exit_code;
  std::string out, err;
};

// Runs `sbi ARGS`, after the shell commands `setup` when given (e.g. "ulimit -f 4; ").
inline CliRun sbi(const testing::TempDir& dir, const std::string& args,
                  const std::string& setup = "") {
  const std::string out = dir.file("stdout.txt"), err = dir.file("stderr.txt");
  const std::string cmd =
      setup + std::string(SBI_BINARY_PATH) + " " + args + " >" + out + " 2>" + err;
  const int status = std::system(cmd.c_str());
  auto slurp = [](const std::string& p) {
    std::ifstream f(p);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

// The whole content of a file ("" if it is missing).
inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The "*.tmp.*" files an output writer left in `dir`.
inline std::vector<std::string> temporaries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().string().find(".tmp.") != std::string::npos) out.push_back(entry.path().string());
  return out;
}

// A clean failure: non-zero exit, exactly one stderr line "sbi: error: ..." containing
// `expected`, and no output file nor temporary left behind in `dir`.
inline void expect_clean_failure(const testing::TempDir& dir, const CliRun& r,
                                 const std::string& expected, const std::string& output) {
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.err.rfind("sbi: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(output)) << output;
  EXPECT_TRUE(temporaries(dir.path()).empty());
}

}  // namespace sbi
