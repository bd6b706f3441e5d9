// RAII ownership of HDF5 identifiers and the few raw helpers shared by io/*.cc.
// Only io/ includes this header: hid_t never leaves the layer.
#pragma once

#include <hdf5.h>

#include <string>
#include <utility>
#include <vector>

namespace sbi::io::detail {

// Owns one hid_t and closes it with the matching H5?close on destruction.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);

  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept
      : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      closer_ = other.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset() {
    if (id_ >= 0 && closer_ != nullptr) closer_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// Turns off HDF5's automatic printing of its error stack, so the only report of a failure
// is our exception. Cheap; called at every entry point that opens a file.
void silence_hdf5_errors();

// The most specific message on HDF5's current error stack ("truncated file: eof = ..."),
// or "" when the stack is empty. Read it right after the failing call.
std::string last_hdf5_error();

// Throws core::Error("<what>") with the HDF5 reason appended when `id` < 0; returns a handle.
Handle checked(hid_t id, Handle::Closer closer, const std::string& what);
// Throws core::Error when `status` < 0.
void check_status(herr_t status, const std::string& what);

// Property lists with link and attribute creation order tracked and indexed
// (POSTERIOR_FORMAT.md rule 4).
Handle group_creation_plist();
Handle file_creation_plist();

// A variable-length UTF-8 string type (memory and file alike).
Handle vlen_utf8_type();

// "float64", "int32", "uint8", "string", "compound", ... for a datatype.
std::string dtype_name(hid_t type);

// The dims of a dataspace (empty for a scalar).
std::vector<hsize_t> dataspace_dims(hid_t space);

// Reads every element of a string attribute (scalar or 1-D, fixed or variable length).
std::vector<std::string> read_strings_attr(hid_t attr, const std::string& what);

}  // namespace sbi::io::detail
