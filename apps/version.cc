#include "apps/version.h"

namespace sbi::app {

// SBI_GIT_DESCRIBE is defined for this file only (apps/CMakeLists.txt), so a new commit
// recompiles one file, not the whole tree.
std::string version_text() {
  std::string out = "sbi " SBI_VERSION;
#ifdef SBI_GIT_DESCRIBE
  if (*SBI_GIT_DESCRIBE) out += " (git " SBI_GIT_DESCRIBE ")";
#endif
#ifdef SBI_WITH_MPI
  out += ", with MPI";
#endif
  return out + "\n";
}

}  // namespace sbi::app
