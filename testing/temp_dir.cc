#include "testing/temp_dir.h"

#include <cstdlib>
#include <stdexcept>

namespace sbi::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "sbi_test_XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("TempDir: mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace sbi::testing
