#include "nn/precision.h"

#include "core/enum_names.h"

namespace sbi::nn {
namespace {
const core::EnumNames<Precision>& precisions() {
  static const core::EnumNames<Precision> names("precision", {"float64", "float32"});
  return names;
}
}  // namespace

Precision parse_precision(const std::string& name) { return precisions().parse(name); }
std::string precision_name(Precision p) { return precisions().name(p); }
std::vector<std::string> precision_names() { return precisions().names(); }

}  // namespace sbi::nn
