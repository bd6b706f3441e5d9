// `sbi --version`.
#pragma once

#include <string>

namespace sbi::app {

// "sbi 0.1.0 (git f265e01-dirty)": CMake's project version, and `git describe` of the source
// tree when CMake was configured (absent outside a git checkout).
std::string version_text();

}  // namespace sbi::app
