// H5File: attributes. Text is written as variable-length UTF-8 (scalar, or a 1-D array for
// lists), numbers as float64 / int64 scalars or 1-D arrays (POSTERIOR_FORMAT.md rule 5).
#include <cmath>
#include <iomanip>
#include <sstream>

#include "core/error.h"
#include "core/memory_budget.h"
#include "io/detail/h5_handle.h"
#include "io/detail/h5_objects.h"
#include "io/h5_file.h"

namespace sbi::io {

using detail::Handle;

namespace {

std::string attr_where(const char* function, const std::string& object_path,
                       const std::string& name, const std::string& file_path) {
  return std::string(function) + ": attribute " + name + " of " +
         detail::located(object_path, file_path);
}

// Replaces attribute `name` on the object with `count` values (count < 0: a scalar).
void write_attr(hid_t file, const std::string& file_path, const std::string& object_path,
                const std::string& name, hid_t file_type, hid_t mem_type, long count,
                const void* data) {
  const std::string where = attr_where("set_attr", object_path, name, file_path);
  Handle object = detail::open_object(file, file_path, object_path, "set_attr");
  if (H5Aexists(object.get(), name.c_str()) > 0) {
    detail::check_status(H5Adelete(object.get(), name.c_str()), where + ": cannot replace it");
  }
  const hsize_t dims[1] = {static_cast<hsize_t>(count < 0 ? 0 : count)};
  const hid_t space_id = count < 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, dims, nullptr);
  Handle space = detail::checked(space_id, H5Sclose, where + ": cannot make a dataspace");
  Handle attr = detail::checked(
      H5Acreate2(object.get(), name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose, where + ": cannot create it");
  if (count != 0) {
    detail::check_status(H5Awrite(attr.get(), mem_type, data), where + ": write failed");
  }
}

Handle open_attr(hid_t file, const std::string& file_path, const std::string& object_path,
                 const std::string& name, const char* function) {
  Handle object = detail::open_object(file, file_path, object_path, function);
  if (H5Aexists(object.get(), name.c_str()) <= 0) {
    throw core::Error(attr_where(function, object_path, name, file_path) + " does not exist");
  }
  return detail::checked(H5Aopen(object.get(), name.c_str(), H5P_DEFAULT), H5Aclose,
                         attr_where(function, object_path, name, file_path) + ": cannot open it");
}

// All values of a numeric attribute, converted by HDF5 to `mem_type` (double or int64).
template <typename T>
std::vector<T> read_numbers(hid_t attr, hid_t mem_type, const std::string& where,
                            bool* is_integer) {
  Handle type = detail::checked(H5Aget_type(attr), H5Tclose, where + ": cannot read its type");
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
    throw core::Error(where + " has type " + detail::dtype_name(type.get()) +
                      ", expected a number");
  }
  if (is_integer != nullptr) *is_integer = cls == H5T_INTEGER;
  Handle space = detail::checked(H5Aget_space(attr), H5Sclose, where + ": cannot read its shape");
  const std::vector<hsize_t> dims = detail::dataspace_dims(space.get());
  if (dims.size() > 1) {
    throw core::Error(where + " has " + std::to_string(dims.size()) +
                      " dimensions, expected 0 or 1");
  }
  const double count = dims.empty() ? 1.0 : static_cast<double>(dims[0]);
  core::check_memory(count * sizeof(T), where + " of " + std::to_string(dims.empty() ? 1 : dims[0]) +
                                            " values");
  std::vector<T> out(dims.empty() ? 1 : static_cast<size_t>(dims[0]));
  if (!out.empty()) {
    detail::check_status(H5Aread(attr, mem_type, out.data()), where + ": read failed");
  }
  return out;
}

void require_one(size_t count, const std::string& where) {
  if (count != 1) {
    throw core::Error(where + " has " + std::to_string(count) + " values, expected one");
  }
}

herr_t collect_attr_name(hid_t, const char* name, const H5A_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}

}  // namespace

void H5File::set_attr(const std::string& object_path, const std::string& name,
                      const std::string& value) {
  require_writable("set_attr");
  Handle type = detail::vlen_utf8_type();
  const char* data = value.c_str();
  write_attr(id_, path_, object_path, name, type.get(), type.get(), -1, &data);
}

void H5File::set_attr(const std::string& object_path, const std::string& name,
                      const char* value) {
  set_attr(object_path, name, std::string(value));
}

void H5File::set_attr(const std::string& object_path, const std::string& name, double value) {
  require_writable("set_attr");
  write_attr(id_, path_, object_path, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, -1, &value);
}

void H5File::set_attr(const std::string& object_path, const std::string& name,
                      std::int64_t value) {
  require_writable("set_attr");
  write_attr(id_, path_, object_path, name, H5T_STD_I64LE, H5T_NATIVE_INT64, -1, &value);
}

void H5File::set_uint64_attr(const std::string& object_path, const std::string& name,
                             std::uint64_t value) {
  require_writable("set_uint64_attr");
  write_attr(id_, path_, object_path, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, -1, &value);
}

void H5File::set_attr(const std::string& object_path, const std::string& name,
                      const std::vector<std::string>& values) {
  require_writable("set_attr");
  Handle type = detail::vlen_utf8_type();
  std::vector<const char*> data;
  for (const std::string& v : values) data.push_back(v.c_str());
  write_attr(id_, path_, object_path, name, type.get(), type.get(),
             static_cast<long>(values.size()), data.data());
}

void H5File::set_attr(const std::string& object_path, const std::string& name,
                      const std::vector<double>& values) {
  require_writable("set_attr");
  write_attr(id_, path_, object_path, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
             static_cast<long>(values.size()), values.data());
}

bool H5File::has_attr(const std::string& object_path, const std::string& name) const {
  require_open("has_attr");
  if (!detail::object_exists(id_, object_path)) return false;
  Handle object = detail::open_object(id_, path_, object_path, "has_attr");
  return H5Aexists(object.get(), name.c_str()) > 0;
}

std::vector<std::string> H5File::list_attrs(const std::string& object_path) const {
  require_open("list_attrs");
  Handle object = detail::open_object(id_, path_, object_path, "list_attrs");
  std::vector<std::string> names;
  hsize_t index = 0;
  if (H5Aiterate2(object.get(), H5_INDEX_CRT_ORDER, H5_ITER_INC, &index, collect_attr_name,
                  &names) < 0) {
    names.clear();  // creation order not tracked: fall back to names
    index = 0;
    detail::check_status(
        H5Aiterate2(object.get(), H5_INDEX_NAME, H5_ITER_INC, &index, collect_attr_name, &names),
        "list_attrs: cannot list the attributes of " + detail::located(object_path, path_));
  }
  return names;
}

std::string H5File::attr_dtype(const std::string& object_path, const std::string& name) const {
  require_open("attr_dtype");
  Handle attr = open_attr(id_, path_, object_path, name, "attr_dtype");
  Handle type = detail::checked(H5Aget_type(attr.get()), H5Tclose,
                                attr_where("attr_dtype", object_path, name, path_));
  return detail::dtype_name(type.get());
}

std::vector<size_t> H5File::attr_shape(const std::string& object_path,
                                       const std::string& name) const {
  require_open("attr_shape");
  Handle attr = open_attr(id_, path_, object_path, name, "attr_shape");
  Handle space = detail::checked(H5Aget_space(attr.get()), H5Sclose,
                                 attr_where("attr_shape", object_path, name, path_));
  std::vector<size_t> out;
  for (hsize_t n : detail::dataspace_dims(space.get())) out.push_back(static_cast<size_t>(n));
  return out;
}

std::string H5File::get_string_attr(const std::string& object_path,
                                    const std::string& name) const {
  require_open("get_string_attr");
  const std::string where = attr_where("get_string_attr", object_path, name, path_);
  Handle attr = open_attr(id_, path_, object_path, name, "get_string_attr");
  std::vector<std::string> values = detail::read_strings_attr(attr.get(), where);
  require_one(values.size(), where);
  return values[0];
}

std::vector<std::string> H5File::get_string_list_attr(const std::string& object_path,
                                                       const std::string& name) const {
  require_open("get_string_list_attr");
  const std::string where = attr_where("get_string_list_attr", object_path, name, path_);
  Handle attr = open_attr(id_, path_, object_path, name, "get_string_list_attr");
  return detail::read_strings_attr(attr.get(), where);
}

double H5File::get_double_attr(const std::string& object_path, const std::string& name) const {
  require_open("get_double_attr");
  const std::string where = attr_where("get_double_attr", object_path, name, path_);
  Handle attr = open_attr(id_, path_, object_path, name, "get_double_attr");
  std::vector<double> values = read_numbers<double>(attr.get(), H5T_NATIVE_DOUBLE, where, nullptr);
  require_one(values.size(), where);
  return values[0];
}

std::vector<double> H5File::get_double_list_attr(const std::string& object_path,
                                                  const std::string& name) const {
  require_open("get_double_list_attr");
  const std::string where = attr_where("get_double_list_attr", object_path, name, path_);
  Handle attr = open_attr(id_, path_, object_path, name, "get_double_list_attr");
  return read_numbers<double>(attr.get(), H5T_NATIVE_DOUBLE, where, nullptr);
}

std::int64_t H5File::get_int_attr(const std::string& object_path, const std::string& name) const {
  require_open("get_int_attr");
  const std::string where = attr_where("get_int_attr", object_path, name, path_);
  Handle attr = open_attr(id_, path_, object_path, name, "get_int_attr");
  bool is_integer = false;
  std::vector<double> as_double =
      read_numbers<double>(attr.get(), H5T_NATIVE_DOUBLE, where, &is_integer);
  require_one(as_double.size(), where);
  if (is_integer) {
    // Read again as int64: doubles cannot hold every int64 exactly.
    return read_numbers<std::int64_t>(attr.get(), H5T_NATIVE_INT64, where, nullptr)[0];
  }
  const double v = as_double[0];
  if (!(std::floor(v) == v && std::fabs(v) < 9.2e18)) {
    std::ostringstream message;
    message << where << " is " << std::setprecision(17) << v << ", expected an integer";
    throw core::Error(message.str());
  }
  return static_cast<std::int64_t>(v);
}

std::uint64_t H5File::get_uint64_attr(const std::string& object_path,
                                      const std::string& name) const {
  require_open("get_uint64_attr");
  const std::string where = attr_where("get_uint64_attr", object_path, name, path_);
  Handle attr = open_attr(id_, path_, object_path, name, "get_uint64_attr");
  Handle type = detail::checked(H5Aget_type(attr.get()), H5Tclose, where + ": cannot read its type");
  if (H5Tget_class(type.get()) == H5T_INTEGER && H5Tget_sign(type.get()) == H5T_SGN_NONE) {
    std::vector<std::uint64_t> values =
        read_numbers<std::uint64_t>(attr.get(), H5T_NATIVE_UINT64, where, nullptr);
    require_one(values.size(), where);
    return values[0];
  }
  // A signed integer holds the same bit pattern (how seeds >= 2^63 were once stored).
  return static_cast<std::uint64_t>(get_int_attr(object_path, name));
}

}  // namespace sbi::io
