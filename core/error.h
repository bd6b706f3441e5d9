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

// Throws Error("<context>: <what is wrong>") when options.is_valid(&error) fails. (Do not
// write check(o.is_valid(&e), "..." + e): the message may be built before is_valid runs.)
template <typename Options>
void check_valid(const Options& options, const std::string& context) {
  std::string error;
  if (!options.is_valid(&error)) throw Error(context.empty() ? error : context + ": " + error);
}

}  // namespace sbi::core
