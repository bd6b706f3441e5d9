// Opening groups, datasets and objects by path with errors that name the function, the
// object and the file. Shared by the io/h5_*.cc files.
#pragma once

#include <string>

#include "io/detail/h5_handle.h"

namespace sbi::io::detail {

// "<object> in <file>", the subject of every error message.
std::string located(const std::string& object_path, const std::string& file_path);

// True if every link on the path exists and the last one resolves to an object.
bool object_exists(hid_t file, const std::string& object_path);
// H5O_TYPE_GROUP, H5O_TYPE_DATASET, ... or H5O_TYPE_UNKNOWN when missing.
H5O_type_t object_type(hid_t file, const std::string& object_path);

// Open by path; throw "<function>: <object> in <file> does not exist" / "is not a dataset".
Handle open_object(hid_t file, const std::string& file_path, const std::string& object_path,
                   const char* function);
Handle open_dataset(hid_t file, const std::string& file_path, const std::string& dataset,
                    const char* function);
Handle open_group(hid_t file, const std::string& file_path, const std::string& group,
                  const char* function);

// Creates every missing group on `group_path` with creation order tracked.
void create_groups(hid_t file, const std::string& file_path, const std::string& group_path,
                   const char* function);
// The parent group of an object path ("/a/b/c" -> "/a/b", "c" -> "/").
std::string parent_path(const std::string& object_path);

}  // namespace sbi::io::detail
