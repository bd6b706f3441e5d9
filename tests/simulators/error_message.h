// Test helper: the message of the core::Error that `f` throws, or "" when it throws none.
#pragma once

#include <string>

#include "core/error.h"

namespace sbi::simulators::testing {

template <class F>
std::string error_message(F f) {
  try {
    f();
  } catch (const core::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace sbi::simulators::testing
