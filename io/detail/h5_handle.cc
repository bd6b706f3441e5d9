#include "io/detail/h5_handle.h"

#include <cstring>

#include "core/error.h"
#include "core/memory_budget.h"

namespace sbi::io::detail {

void silence_hdf5_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

namespace {

herr_t keep_innermost(unsigned n, const H5E_error2_t* err, void* out) {
  // Walking upward, entry 0 is where the failure started: the most specific message.
  if (n == 0 && err->desc != nullptr) *static_cast<std::string*>(out) = err->desc;
  return 0;
}

}  // namespace

std::string last_hdf5_error() {
  std::string message;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_innermost, &message);
  // The file drivers report an I/O failure as "file write failed: time = ..., errno = 28,
  // error message = 'No space left on device', ..." over several lines: keep the reason.
  const std::string marker = "error message = '";
  const size_t at = message.find(marker);
  if (at != std::string::npos) {
    const size_t begin = at + marker.size(), end = message.find('\'', begin);
    const size_t colon = message.find(':');
    message = message.substr(0, colon == std::string::npos ? 0 : colon) + ": " +
              message.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  }
  for (char& c : message)
    if (c == '\n') c = ' ';
  return message;
}

Handle checked(hid_t id, Handle::Closer closer, const std::string& what) {
  if (id < 0) {
    const std::string reason = last_hdf5_error();
    throw core::Error(reason.empty() ? what : what + " (" + reason + ")");
  }
  return Handle(id, closer);
}

void check_status(herr_t status, const std::string& what) {
  if (status < 0) {
    const std::string reason = last_hdf5_error();
    throw core::Error(reason.empty() ? what : what + " (" + reason + ")");
  }
}

Handle group_creation_plist() {
  Handle plist = checked(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, "H5Pcreate(group) failed");
  const unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
  check_status(H5Pset_link_creation_order(plist.get(), order), "H5Pset_link_creation_order failed");
  check_status(H5Pset_attr_creation_order(plist.get(), order), "H5Pset_attr_creation_order failed");
  return plist;
}

Handle file_creation_plist() {
  Handle plist = checked(H5Pcreate(H5P_FILE_CREATE), H5Pclose, "H5Pcreate(file) failed");
  const unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
  check_status(H5Pset_link_creation_order(plist.get(), order), "H5Pset_link_creation_order failed");
  check_status(H5Pset_attr_creation_order(plist.get(), order), "H5Pset_attr_creation_order failed");
  return plist;
}

Handle vlen_utf8_type() {
  Handle type = checked(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy failed");
  check_status(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size failed");
  check_status(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset failed");
  return type;
}

std::string dtype_name(hid_t type) {
  const size_t bytes = H5Tget_size(type);
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: {
      const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
      return (is_signed ? "int" : "uint") + std::to_string(8 * bytes);
    }
    case H5T_FLOAT: return "float" + std::to_string(8 * bytes);
    case H5T_STRING: return "string";
    case H5T_COMPOUND: return "compound";
    case H5T_ENUM: return "enum";
    case H5T_REFERENCE: return "reference";
    case H5T_ARRAY: return "array";
    case H5T_VLEN: return "vlen";
    case H5T_OPAQUE: return "opaque";
    case H5T_BITFIELD: return "bitfield";
    case H5T_TIME: return "time";
    default: return "unknown";
  }
}

std::vector<hsize_t> dataspace_dims(hid_t space) {
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank <= 0) return {};
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return dims;
}

std::vector<std::string> read_strings_attr(hid_t attr, const std::string& what) {
  Handle type = checked(H5Aget_type(attr), H5Tclose, what + ": cannot read its type");
  if (H5Tget_class(type.get()) != H5T_STRING) {
    throw core::Error(what + " has type " + dtype_name(type.get()) + ", expected a string");
  }
  Handle space = checked(H5Aget_space(attr), H5Sclose, what + ": cannot read its shape");
  const std::vector<hsize_t> dims = dataspace_dims(space.get());
  if (dims.size() > 1) {
    throw core::Error(what + " has " + std::to_string(dims.size()) +
                      " dimensions, expected 0 or 1");
  }
  const size_t count = dims.empty() ? 1 : static_cast<size_t>(dims[0]);
  // A declared count is refused before allocating (the file may lie about it).
  const double bytes_each = sizeof(std::string) + (H5Tis_variable_str(type.get()) > 0
                                                       ? sizeof(char*)
                                                       : H5Tget_size(type.get()));
  core::check_memory(static_cast<double>(count) * bytes_each,
                     what + " of " + std::to_string(count) + " strings");
  std::vector<std::string> out;
  out.reserve(count);
  if (count == 0) return out;

  if (H5Tis_variable_str(type.get()) > 0) {
    // Memory type: variable length with the file's character set, so no conversion fails.
    Handle mem = vlen_utf8_type();
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    std::vector<char*> buffer(count, nullptr);
    check_status(H5Aread(attr, mem.get(), buffer.data()), what + ": read failed");
    for (char* s : buffer) out.emplace_back(s == nullptr ? "" : s);
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, buffer.data());
    return out;
  }

  // Fixed length (h5py's np.bytes_, Fortran/IDL tools): NUL-terminated, NUL- or space-padded.
  const size_t width = H5Tget_size(type.get());
  std::vector<char> buffer(count * width);
  check_status(H5Aread(attr, type.get(), buffer.data()), what + ": read failed");
  const bool space_padded = H5Tget_strpad(type.get()) == H5T_STR_SPACEPAD;
  for (size_t i = 0; i < count; ++i) {
    const char* begin = buffer.data() + i * width;
    size_t length = strnlen(begin, width);
    if (space_padded) {
      while (length > 0 && begin[length - 1] == ' ') --length;
    }
    out.emplace_back(begin, length);
  }
  return out;
}

}  // namespace sbi::io::detail
