// Runs the `sbi` program built with the tests (SBI_BINARY_PATH, a compile definition of the
// test executables) with stdout and stderr captured in files of a test's TempDir.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

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

}  // namespace sbi
