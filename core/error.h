// The toolkit's exception type. Messages name the function and the argument that is
// wrong ("RealNVP::log_prob: theta has 3 rows, expected 2"), and apps/ prints them as
// one line on stderr with a non-zero exit code.
#pragma once

#include <stdexcept>
#include <string>

namespace sbi::core {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws Error(message) when `condition` is false.
inline void check(bool condition, const std::string& message) {
  if (!condition) throw Error(message);
}

}  // namespace sbi::core
