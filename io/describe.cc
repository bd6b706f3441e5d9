#include "io/describe.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <sstream>

#include "core/error.h"
#include "io/h5_file.h"

namespace sbi::io {

namespace {

constexpr size_t kMaxStatsElements = 10'000'000;
constexpr long kMaxStatsColumns = 12;
constexpr size_t kMaxListItems = 6;
constexpr size_t kMaxStringLength = 80;
constexpr int kMaxDepth = 32;  // guards against link cycles

std::string number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", v);
  return buffer;
}

std::string exact_number(double v, bool integer) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, integer ? "%.0f" : "%.10g", v);
  return buffer;
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < kMaxStringLength; ++i) {
    if (s[i] == '\n') out += "\\n";
    else if (s[i] == '"') out += "\\\"";
    else out += s[i];
  }
  return out + (s.size() > kMaxStringLength ? "...\"" : "\"");
}

std::string shape_text(const std::vector<size_t>& shape) {
  if (shape.empty()) return "scalar";
  std::string out = "(";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + (shape.size() == 1 ? ",)" : ")");
}

template <typename T, typename Format>
std::string list_text(const std::vector<T>& items, Format format) {
  std::string out = "[";
  for (size_t i = 0; i < items.size() && i < kMaxListItems; ++i) {
    out += (i ? ", " : "") + format(items[i]);
  }
  if (items.size() > kMaxListItems) out += ", ... (" + std::to_string(items.size()) + " total)";
  return out + "]";
}

bool is_numeric(const std::string& dtype) {
  return dtype.rfind("float", 0) == 0 || dtype.rfind("int", 0) == 0 ||
         dtype.rfind("uint", 0) == 0;
}

// The attributes HDF5 dimension scales and netCDF maintain themselves.
bool is_internal_attr(const std::string& name) {
  return name == "CLASS" || name == "NAME" || name == "REFERENCE_LIST" ||
         name == "DIMENSION_LIST" || (!name.empty() && name[0] == '_');
}

std::string attr_value(const H5File& f, const std::string& object, const std::string& name) {
  const std::string dtype = f.attr_dtype(object, name);
  const std::vector<size_t> shape = f.attr_shape(object, name);
  try {
    if (dtype == "string") {
      if (shape.empty()) return quoted(f.get_string_attr(object, name));
      return list_text(f.get_string_list_attr(object, name), quoted);
    }
    if (is_numeric(dtype)) {
      const bool integer = dtype.rfind("float", 0) != 0;
      if (shape.empty() && integer) return std::to_string(f.get_int_attr(object, name));
      const std::vector<double> values = f.get_double_list_attr(object, name);
      if (shape.empty()) return exact_number(values[0], false);
      return list_text(values, [&](double v) { return exact_number(v, integer); });
    }
  } catch (const core::Error&) {
    // Fall through to the type-and-shape form below.
  }
  return "<" + dtype + " " + shape_text(shape) + ">";
}

void describe_attrs(const H5File& f, const std::string& object, const std::string& indent,
                    std::ostringstream& out) {
  for (const std::string& name : f.list_attrs(object)) {
    if (is_internal_attr(name)) continue;
    out << indent << name << " = " << attr_value(f, object, name) << "\n";
  }
}

// mean / std / min / max of each file column, over the finite values.
void describe_stats(const H5File& f, const std::string& dataset, const std::string& indent,
                    std::ostringstream& out) {
  const Eigen::MatrixXd m = f.read_matrix(dataset);  // columns of the file are rows here
  const long shown = std::min<long>(m.rows(), kMaxStatsColumns);
  char line[160];
  std::snprintf(line, sizeof line, "%s%6s %12s %12s %12s %12s\n", indent.c_str(), "column",
                "mean", "std", "min", "max");
  out << line;
  for (long j = 0; j < shown; ++j) {
    double sum = 0, sum_sq = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
    long finite = 0;
    for (long n = 0; n < m.cols(); ++n) {
      const double v = m(j, n);
      if (!std::isfinite(v)) continue;
      ++finite;
      sum += v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    const double mean = finite > 0 ? sum / finite : std::nan("");
    for (long n = 0; n < m.cols(); ++n) {
      if (std::isfinite(m(j, n))) sum_sq += (m(j, n) - mean) * (m(j, n) - mean);
    }
    const double sd = finite > 1 ? std::sqrt(sum_sq / (finite - 1)) : 0.0;
    std::snprintf(line, sizeof line, "%s%6ld %12s %12s %12s %12s", indent.c_str(), j,
                  number(mean).c_str(), number(sd).c_str(), number(finite ? lo : NAN).c_str(),
                  number(finite ? hi : NAN).c_str());
    out << line;
    if (finite < m.cols()) out << "  (" << (m.cols() - finite) << " non-finite)";
    out << "\n";
  }
  if (m.rows() > shown) out << indent << "(first " << shown << " of " << m.rows() << " columns)\n";
}

void describe_dataset(const H5File& f, const std::string& path, const std::string& name,
                      const std::string& indent, std::ostringstream& out) {
  const std::vector<size_t> shape = f.shape(path);
  const std::string dtype = f.dtype(path);
  out << indent << name << "  " << dtype << " " << shape_text(shape);
  const bool scale = f.is_dimension_scale(path);
  if (scale) {
    out << "  dimension scale";
  } else {
    const std::vector<std::string> dims = f.dimension_names(path);
    if (std::any_of(dims.begin(), dims.end(), [](const std::string& d) { return !d.empty(); })) {
      out << "  dims (";
      for (size_t i = 0; i < dims.size(); ++i) {
        out << (i ? ", " : "") << (dims[i].empty() ? "?" : dims[i]);
      }
      out << ")";
    }
  }
  out << "\n";
  describe_attrs(f, path, indent + "    ", out);
  size_t elements = 1;
  for (size_t s : shape) elements *= s;
  if (!scale && is_numeric(dtype) && !shape.empty() && shape.size() <= 2 && elements > 0 &&
      elements <= kMaxStatsElements) {
    describe_stats(f, path, indent + "    ", out);
  }
}

void describe_group(const H5File& f, const std::string& group, const std::string& indent,
                    int depth, std::ostringstream& out) {
  if (depth > kMaxDepth) {
    out << indent << "... (deeper than " << kMaxDepth << " levels)\n";
    return;
  }
  for (const std::string& name : f.list(group)) {
    const std::string path = (group == "/" ? "" : group) + "/" + name;
    if (f.is_group(path)) {
      out << indent << name << "/\n";
      describe_attrs(f, path, indent + "    ", out);
      describe_group(f, path, indent + "  ", depth + 1, out);
    } else if (f.is_dataset(path)) {
      describe_dataset(f, path, name, indent, out);
    } else {
      out << indent << name << "  (not a group or dataset)\n";
    }
  }
}

}  // namespace

std::string describe_file(const std::string& path) {
  const H5File f = H5File::open_read(path);
  std::ostringstream out;
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);
  out << path << "  (HDF5";
  if (!ec) out << ", " << bytes << " bytes";
  out << ")\n";
  out << "attributes of /:\n";
  describe_attrs(f, "/", "  ", out);
  out << "contents:\n";
  describe_group(f, "/", "  ", 0, out);
  return out.str();
}

}  // namespace sbi::io
