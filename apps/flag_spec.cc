#include "apps/flag_spec.h"

namespace sbi::app {

const FlagSpec* CommandSpec::find(const std::string& flag) const {
  for (const FlagSpec& f : flags)
    if (f.name == flag) return &f;
  return nullptr;
}

}  // namespace sbi::app
