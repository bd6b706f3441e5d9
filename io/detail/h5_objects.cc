#include "io/detail/h5_objects.h"

#include <vector>

#include "core/error.h"

namespace sbi::io::detail {

namespace {

// "/a/b/c" -> {"a", "b", "c"}; empty components ("//", trailing "/") are dropped.
std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t end = path.find('/', start);
    const size_t stop = end == std::string::npos ? path.size() : end;
    if (stop > start) parts.push_back(path.substr(start, stop - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return parts;
}

}  // namespace

std::string located(const std::string& object_path, const std::string& file_path) {
  return object_path + " in " + file_path;
}

bool object_exists(hid_t file, const std::string& object_path) {
  // H5Lexists fails (instead of returning false) when an intermediate link is missing,
  // so walk the path one link at a time.
  std::string prefix;
  for (const std::string& part : split(object_path)) {
    prefix += "/" + part;
    if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  if (prefix.empty()) return true;  // the root
  return H5Oexists_by_name(file, prefix.c_str(), H5P_DEFAULT) > 0;  // false for dangling links
}

H5O_type_t object_type(hid_t file, const std::string& object_path) {
  if (!object_exists(file, object_path)) return H5O_TYPE_UNKNOWN;
  // Opening and asking the identifier's type reads the same on HDF5 1.10 and 1.12+,
  // unlike H5Oget_info_by_name whose signature changed.
  Handle object(H5Oopen(file, object_path.c_str(), H5P_DEFAULT), H5Oclose);
  if (!object.valid()) return H5O_TYPE_UNKNOWN;
  switch (H5Iget_type(object.get())) {
    case H5I_GROUP: return H5O_TYPE_GROUP;
    case H5I_DATASET: return H5O_TYPE_DATASET;
    case H5I_DATATYPE: return H5O_TYPE_NAMED_DATATYPE;
    default: return H5O_TYPE_UNKNOWN;
  }
}

Handle open_object(hid_t file, const std::string& file_path, const std::string& object_path,
                   const char* function) {
  if (!object_exists(file, object_path)) {
    throw core::Error(std::string(function) + ": " + located(object_path, file_path) +
                      " does not exist");
  }
  return checked(H5Oopen(file, object_path.c_str(), H5P_DEFAULT), H5Oclose,
                 std::string(function) + ": cannot open " + located(object_path, file_path));
}

Handle open_dataset(hid_t file, const std::string& file_path, const std::string& dataset,
                    const char* function) {
  const H5O_type_t type = object_type(file, dataset);
  if (type == H5O_TYPE_UNKNOWN) {
    throw core::Error(std::string(function) + ": " + located(dataset, file_path) +
                      " does not exist");
  }
  if (type != H5O_TYPE_DATASET) {
    throw core::Error(std::string(function) + ": " + located(dataset, file_path) +
                      " is not a dataset");
  }
  return checked(H5Dopen2(file, dataset.c_str(), H5P_DEFAULT), H5Dclose,
                 std::string(function) + ": cannot open " + located(dataset, file_path));
}

Handle open_group(hid_t file, const std::string& file_path, const std::string& group,
                  const char* function) {
  const H5O_type_t type = object_type(file, group);
  if (type == H5O_TYPE_UNKNOWN) {
    throw core::Error(std::string(function) + ": " + located(group, file_path) +
                      " does not exist");
  }
  if (type != H5O_TYPE_GROUP) {
    throw core::Error(std::string(function) + ": " + located(group, file_path) +
                      " is not a group");
  }
  return checked(H5Gopen2(file, group.c_str(), H5P_DEFAULT), H5Gclose,
                 std::string(function) + ": cannot open " + located(group, file_path));
}

void create_groups(hid_t file, const std::string& file_path, const std::string& group_path,
                   const char* function) {
  std::string prefix;
  for (const std::string& part : split(group_path)) {
    prefix += "/" + part;
    const H5O_type_t type = object_type(file, prefix);
    if (type == H5O_TYPE_GROUP) continue;
    if (type != H5O_TYPE_UNKNOWN) {
      throw core::Error(std::string(function) + ": " + located(prefix, file_path) +
                        " exists and is not a group");
    }
    Handle plist = group_creation_plist();
    checked(H5Gcreate2(file, prefix.c_str(), H5P_DEFAULT, plist.get(), H5P_DEFAULT), H5Gclose,
            std::string(function) + ": cannot create group " + located(prefix, file_path));
  }
}

std::string parent_path(const std::string& object_path) {
  std::vector<std::string> parts = split(object_path);
  if (parts.size() <= 1) return "/";
  std::string parent;
  for (size_t i = 0; i + 1 < parts.size(); ++i) parent += "/" + parts[i];
  return parent;
}

}  // namespace sbi::io::detail
