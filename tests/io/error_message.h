// The message of the core::Error a callable throws, or a test failure if it throws none.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"

namespace sbi::io::testing {

template <typename F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const core::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected core::Error, nothing was thrown";
  return "";
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace sbi::io::testing
