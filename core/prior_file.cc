#include "core/prior_file.h"

#include <sys/stat.h>

#include <map>
#include <toml.hpp>

#include "core/error.h"

namespace sbi::core {
namespace {

using Kind = Marginal::Kind;

// The keys of each distribution's numbers, in Marginal (a, b, c, d) order.
std::vector<std::string> number_keys(Kind kind) {
  switch (kind) {
    case Kind::kUniform: case Kind::kLogUniform: return {"low", "high"};
    case Kind::kNormal: return {"mean", "std"};
    case Kind::kLogNormal: return {"mu", "sigma"};
    case Kind::kTruncNormal: return {"mean", "std", "low", "high"};
  }
  return {};
}

std::string join(const std::vector<std::string>& items, const std::string& last_separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : i + 1 == items.size() ? last_separator : ", ") + items[i];
  return out;
}

// Builds "FILE:LINE: parameter K (NAME): ..." messages for one [[parameter]] table.
class ParameterReader {
 public:
  ParameterReader(const std::string& path, const toml::value& table, size_t index)
      : path_(path), table_(table), index_(index) {}

  [[noreturn]] void fail(const toml::value& at, const std::string& what) const {
    std::string where = "parameter " + std::to_string(index_ + 1);
    if (!name_.empty()) where += " (" + name_ + ")";
    throw Error(path_ + ":" + std::to_string(at.location().line()) + ": " + where + ": " + what);
  }

  std::string string_key(const std::string& key, bool required) {
    if (!table_.contains(key)) {
      if (required) fail(table_, "missing '" + key + "'");
      return "";
    }
    const toml::value& v = table_.at(key);
    if (!v.is_string()) fail(v, "'" + key + "' must be a string");
    return v.as_string().str;
  }

  double number_key(const std::string& key, const std::string& distribution) {
    if (!table_.contains(key)) fail(table_, distribution + " needs '" + key + "'");
    const toml::value& v = table_.at(key);
    if (v.is_integer()) return static_cast<double>(v.as_integer());
    if (!v.is_floating()) fail(v, "'" + key + "' must be a number");
    return v.as_floating();
  }

  Marginal marginal() {
    if (!table_.is_table()) fail(table_, "expected a table");
    name_ = string_key("name", true);
    const std::string distribution = string_key("distribution", true);
    Marginal m;
    if (!parse_marginal_kind(distribution, &m.kind))
      fail(table_.at("distribution"), "unknown distribution '" + distribution + "' (expected " +
                                          join(marginal_kind_names(), " or ") + ")");
    const std::vector<std::string> keys = number_keys(m.kind);
    double* numbers[] = {&m.a, &m.b, &m.c, &m.d};
    for (size_t i = 0; i < keys.size(); ++i) *numbers[i] = number_key(keys[i], distribution);
    for (const auto& [key, value] : table_.as_table()) {
      bool known = key == "name" || key == "unit" || key == "distribution";
      for (const std::string& k : keys) known = known || key == k;
      if (!known)
        fail(value, "unknown key '" + key + "' (" + distribution + " takes " + join(keys, " and ") + ")");
    }
    const std::string error = marginal_error(m);
    if (!error.empty()) fail(table_.at(keys.back()), distribution + ": " + error);
    return m;
  }

  const std::string& name() const { return name_; }

 private:
  const std::string& path_;
  const toml::value& table_;
  size_t index_;
  std::string name_;
};

}  // namespace

PriorDescription read_prior_file(const std::string& path) {
  toml::value data;
  try {
    data = toml::parse(path);
  } catch (const toml::syntax_error& e) {
    // toml11's message spans several lines (a source excerpt); keep its first.
    std::string what = e.what();
    what = what.substr(0, what.find('\n'));
    if (what.rfind("[error] ", 0) == 0) what = what.substr(8);
    throw Error(path + ":" + std::to_string(e.location().line()) + ": not valid TOML: " + what);
  } catch (const std::runtime_error& e) {  // toml11: the file cannot be opened
    throw Error("cannot read prior file " + path);
  }
  for (const auto& [key, value] : data.as_table())
    if (key != "parameter")
      throw Error(path + ":" + std::to_string(value.location().line()) + ": unknown key '" + key +
                  "' (a prior file holds [[parameter]] tables)");
  if (!data.contains("parameter") || !data.at("parameter").is_array() ||
      data.at("parameter").as_array().empty())
    throw Error(path + ": no [[parameter]] tables (one per parameter, in order)");
  std::vector<Marginal> marginals;
  std::vector<std::string> names, units;
  const toml::array& tables = data.at("parameter").as_array();
  for (size_t i = 0; i < tables.size(); ++i) {
    ParameterReader reader(path, tables[i], i);
    marginals.push_back(reader.marginal());
    names.push_back(reader.name());
    units.push_back(reader.string_key("unit", false));
  }
  return PriorDescription{Prior(std::move(marginals)), names, units, path};
}

PriorDescription read_prior_argument(const std::string& text) {
  struct stat st;
  const bool is_file = ::stat(text.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  const bool toml_name = text.size() > 5 && text.compare(text.size() - 5, 5, ".toml") == 0;
  if (is_file || toml_name) return read_prior_file(text);
  return PriorDescription{Prior::parse(text), {}, {}, ""};
}

}  // namespace sbi::core
