// The architecture of a trained network as typed name -> value pairs: what a model file
// stores so that exactly the same network is rebuilt on loading. Integers stay integers
// (a seed is an unsigned 64-bit integer: above 2^53 a double would round it and silently
// rebuild other coupling partitions), enums are stored by name, reals as doubles.
//
//   core::Hyperparameters h("RealNVP");
//   h.set("hidden", 64);  h.set_uint64("seed", seed);  h.set("activation", "relu");
//   int hidden = h.get_int("hidden");
//   Activation a = h.get_enum("activation", parse_activation, activation_names());
//
// Model files of format version 1 stored every value as a double (enums by their index);
// the getters accept those where the value is exact, and refuse a seed that was rounded.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace sbi::core {

class Hyperparameters {
 public:
  using Value = std::variant<std::int64_t, std::uint64_t, double, std::string>;

  // `owner` names the network in error messages ("RealNVP: hyperparameter 'hidden' ...").
  Hyperparameters() = default;
  explicit Hyperparameters(std::string owner) : owner_(std::move(owner)) {}

  void set(const std::string& name, int value) { values_[name] = std::int64_t{value}; }
  void set(const std::string& name, std::int64_t value) { values_[name] = value; }
  void set(const std::string& name, bool value) { values_[name] = std::int64_t{value ? 1 : 0}; }
  void set(const std::string& name, double value) { values_[name] = value; }
  void set(const std::string& name, const std::string& value) { values_[name] = value; }
  void set(const std::string& name, const char* value) { values_[name] = std::string(value); }
  void set_uint64(const std::string& name, std::uint64_t value) { values_[name] = value; }
  // Any stored value, as read from a file.
  void set_value(const std::string& name, Value value) { values_[name] = std::move(value); }
  void erase(const std::string& name) { values_.erase(name); }

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  // Each throws core::Error naming the owner and the hyperparameter when it is missing or
  // of another type.
  int get_int(const std::string& name) const;  // must fit an int
  std::uint64_t get_uint64(const std::string& name) const;
  double get_double(const std::string& name) const;  // any number
  bool get_bool(const std::string& name) const;       // an integer 0 or 1
  // An enum by name, or (format version 1) by its index among `names`.
  template <typename Enum>
  Enum get_enum(const std::string& name, Enum (*parse)(const std::string&),
                const std::vector<std::string>& names) const {
    return parse(get_enum_name(name, names));
  }
  std::string get_enum_name(const std::string& name, const std::vector<std::string>& names) const;

  const std::map<std::string, Value>& values() const { return values_; }
  const std::string& owner() const { return owner_; }
  bool operator==(const Hyperparameters& other) const { return values_ == other.values_; }

 private:
  const Value& find(const std::string& name) const;
  [[noreturn]] void wrong_type(const std::string& name, const char* expected) const;

  std::string owner_;
  std::map<std::string, Value> values_;
};

}  // namespace sbi::core
