// H5File: opening, closing and navigating. Datasets, attributes and dimension scales are in
// h5_datasets.cc, h5_attributes.cc and h5_dimension_scales.cc.
#include "io/h5_file.h"

#include <filesystem>
#include <type_traits>
#include <utility>

#include "core/error.h"
#include "io/detail/h5_handle.h"
#include "io/detail/h5_objects.h"

namespace sbi::io {

static_assert(std::is_same_v<hid_t, std::int64_t>, "H5File stores the file's hid_t as int64");

using detail::Handle;

namespace {

// A file whose close failed (full disk, quota, file size limit) stays half-closed inside
// HDF5, and the library's clean-up at exit crashes on it, after the error was reported.
// Every object is closed by RAII here, so that clean-up has nothing to do: skip it. This
// must run before HDF5 initialises itself, hence a static initialiser.
const bool kSkipHdf5ExitCleanup = H5dont_atexit() >= 0;

Handle file_access_plist() {
  Handle plist = detail::checked(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "H5Pcreate failed");
  // Closing the file closes every object still open in it, so it is complete on disk
  // when H5File goes away (AtomicOutput renames it right after).
  detail::check_status(H5Pset_fclose_degree(plist.get(), H5F_CLOSE_STRONG),
                       "H5Pset_fclose_degree failed");
  return plist;
}

// Checks, in order of usefulness to a user: missing, not a regular file, not HDF5.
void check_readable_hdf5(const std::string& path, const char* function) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    throw core::Error(std::string(function) + ": cannot open " + path + ": no such file");
  }
  if (std::filesystem::is_directory(status)) {
    throw core::Error(std::string(function) + ": cannot open " + path + ": is a directory");
  }
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 == 0) {
    throw core::Error(std::string(function) + ": " + path + " is not an HDF5 file");
  }
  if (is_hdf5 < 0) {
    const std::string reason = detail::last_hdf5_error();
    throw core::Error(std::string(function) + ": cannot read " + path +
                      (reason.empty() ? "" : " (" + reason + ")"));
  }
}

}  // namespace

H5File::H5File(std::string path, std::int64_t id, bool writable)
    : path_(std::move(path)), id_(id), writable_(writable) {}

H5File H5File::open_read(const std::string& path) {
  detail::silence_hdf5_errors();
  check_readable_hdf5(path, "open_read");
  Handle fapl = file_access_plist();
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
  if (id < 0) {
    const std::string reason = detail::last_hdf5_error();
    throw core::Error("open_read: " + path + " is truncated or corrupt" +
                      (reason.empty() ? "" : " (" + reason + ")"));
  }
  return H5File(path, id, false);
}

H5File H5File::open_read_write(const std::string& path) {
  detail::silence_hdf5_errors();
  check_readable_hdf5(path, "open_read_write");
  Handle fapl = file_access_plist();
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.get());
  if (id < 0) {
    const std::string reason = detail::last_hdf5_error();
    throw core::Error("open_read_write: cannot open " + path + " for writing" +
                      (reason.empty() ? "" : " (" + reason + ")"));
  }
  return H5File(path, id, true);
}

H5File H5File::create(const std::string& path) {
  detail::silence_hdf5_errors();
  Handle fcpl = detail::file_creation_plist();
  Handle fapl = file_access_plist();
  const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get());
  if (id < 0) {
    const std::string reason = detail::last_hdf5_error();
    throw core::Error("create: cannot create " + path +
                      (reason.empty() ? "" : " (" + reason + ")"));
  }
  return H5File(path, id, true);
}

H5File H5File::create_in_memory(const std::string& name) {
  detail::silence_hdf5_errors();
  Handle fcpl = detail::file_creation_plist();
  Handle fapl = file_access_plist();
  // 1 MiB increments; backing_store 0: the file never touches the disk.
  detail::check_status(H5Pset_fapl_core(fapl.get(), size_t{1} << 20, 0), "H5Pset_fapl_core failed");
  const hid_t id = H5Fcreate(name.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get());
  if (id < 0) {
    const std::string reason = detail::last_hdf5_error();
    throw core::Error("create: cannot create " + name + " in memory" +
                      (reason.empty() ? "" : " (" + reason + ")"));
  }
  return H5File(name, id, true);
}

std::string H5File::file_image() const {
  require_open("file_image");
  detail::check_status(H5Fflush(id_, H5F_SCOPE_GLOBAL), "file_image: cannot flush " + path_);
  const ssize_t size = H5Fget_file_image(id_, nullptr, 0);
  if (size <= 0) throw core::Error("file_image: cannot size the image of " + path_);
  std::string bytes(static_cast<size_t>(size), '\0');
  if (H5Fget_file_image(id_, bytes.data(), bytes.size()) != size)
    throw core::Error("file_image: cannot copy the image of " + path_);
  return bytes;
}

H5File::H5File(H5File&& other) noexcept
    : path_(std::move(other.path_)),
      id_(std::exchange(other.id_, -1)),
      writable_(other.writable_) {}

H5File& H5File::operator=(H5File&& other) noexcept {
  if (this != &other) {
    if (id_ >= 0) H5Fclose(id_);
    path_ = std::move(other.path_);
    id_ = std::exchange(other.id_, -1);
    writable_ = other.writable_;
  }
  return *this;
}

H5File::~H5File() {
  if (id_ >= 0) H5Fclose(id_);
}

void H5File::close() {
  require_open("close");
  const herr_t status = H5Fclose(id_);
  id_ = -1;
  detail::check_status(status, "close: cannot close " + path_);
}

void H5File::require_open(const char* function) const {
  if (id_ < 0) throw core::Error(std::string(function) + ": " + path_ + " is closed");
}

void H5File::require_writable(const char* function) const {
  require_open(function);
  if (!writable_) {
    throw core::Error(std::string(function) + ": " + path_ + " is open read-only");
  }
}

bool H5File::has(const std::string& object_path) const {
  require_open("has");
  return detail::object_exists(id_, object_path);
}

bool H5File::is_group(const std::string& object_path) const {
  require_open("is_group");
  return detail::object_type(id_, object_path) == H5O_TYPE_GROUP;
}

bool H5File::is_dataset(const std::string& object_path) const {
  require_open("is_dataset");
  return detail::object_type(id_, object_path) == H5O_TYPE_DATASET;
}

namespace {

herr_t collect_link_name(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}

}  // namespace

std::vector<std::string> H5File::list(const std::string& group) const {
  require_open("list");
  Handle g = detail::open_group(id_, path_, group, "list");
  std::vector<std::string> names;
  hsize_t index = 0;
  // Creation order needs the group to track it; files from other tools may not.
  if (H5Literate(g.get(), H5_INDEX_CRT_ORDER, H5_ITER_INC, &index, collect_link_name, &names) < 0) {
    names.clear();
    index = 0;
    detail::check_status(
        H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_INC, &index, collect_link_name, &names),
        "list: cannot list " + detail::located(group, path_));
  }
  return names;
}

void H5File::create_group(const std::string& group) {
  require_writable("create_group");
  detail::create_groups(id_, path_, group, "create_group");
}

std::vector<size_t> H5File::shape(const std::string& dataset) const {
  require_open("shape");
  Handle d = detail::open_dataset(id_, path_, dataset, "shape");
  Handle space = detail::checked(
      H5Dget_space(d.get()), H5Sclose,
      "shape: cannot read the shape of " + detail::located(dataset, path_));
  std::vector<size_t> out;
  for (hsize_t n : detail::dataspace_dims(space.get())) out.push_back(static_cast<size_t>(n));
  return out;
}

std::string H5File::dtype(const std::string& dataset) const {
  require_open("dtype");
  Handle d = detail::open_dataset(id_, path_, dataset, "dtype");
  Handle type = detail::checked(
      H5Dget_type(d.get()), H5Tclose,
      "dtype: cannot read the type of " + detail::located(dataset, path_));
  return detail::dtype_name(type.get());
}

}  // namespace sbi::io
