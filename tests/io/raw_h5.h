// Raw HDF5 calls for tests: files as other tools write them (float32, fixed-length strings,
// no creation order), and checks of what io/ wrote (types, chunks, filters).
#pragma once

#include <hdf5.h>

#include <string>
#include <vector>

namespace sbi::io::testing {

// Opens (or creates, with default property lists) a file and closes it on destruction.
class RawFile {
 public:
  static RawFile create(const std::string& path) {
    return RawFile(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  }
  static RawFile open(const std::string& path, bool writable) {
    return RawFile(H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT));
  }
  RawFile(RawFile&& o) noexcept : id_(o.id_) { o.id_ = -1; }
  ~RawFile() {
    if (id_ >= 0) H5Fclose(id_);
  }
  hid_t id() const { return id_; }

 private:
  explicit RawFile(hid_t id) : id_(id) {}
  hid_t id_;
};

// Writes `data` (row-major) as dataset `name` of type `file_type` at the root.
template <typename T>
void write_raw_dataset(hid_t file, const std::string& name, hid_t file_type, hid_t mem_type,
                       const std::vector<hsize_t>& dims, const std::vector<T>& data) {
  hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  hid_t d = H5Dcreate2(file, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data());
  H5Dclose(d);
  H5Sclose(space);
}

// A fixed-length (width bytes) ASCII string attribute: scalar if one value, else 1-D.
inline void write_fixed_string_attr(hid_t file, const std::string& object, const std::string& name,
                                    const std::vector<std::string>& values, size_t width,
                                    H5T_str_t pad) {
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, width);
  H5Tset_strpad(type, pad);
  std::vector<char> buffer(values.size() * width, pad == H5T_STR_SPACEPAD ? ' ' : '\0');
  for (size_t i = 0; i < values.size(); ++i) values[i].copy(buffer.data() + i * width, width);
  const hsize_t n = values.size();
  hid_t space = values.size() == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr);
  hid_t obj = H5Oopen(file, object.c_str(), H5P_DEFAULT);
  hid_t attr = H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attr, type, buffer.data());
  H5Aclose(attr);
  H5Oclose(obj);
  H5Sclose(space);
  H5Tclose(type);
}

// Chunk shape and filter ids of a dataset (empty chunk: contiguous).
struct Layout {
  std::vector<hsize_t> chunk;
  std::vector<H5Z_filter_t> filters;
};

inline Layout dataset_layout(hid_t file, const std::string& name) {
  Layout out;
  hid_t d = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
  hid_t plist = H5Dget_create_plist(d);
  if (H5Pget_layout(plist) == H5D_CHUNKED) {
    out.chunk.resize(8);
    out.chunk.resize(static_cast<size_t>(H5Pget_chunk(plist, 8, out.chunk.data())));
  }
  const int n = H5Pget_nfilters(plist);
  for (int i = 0; i < n; ++i) {
    unsigned flags = 0, config = 0;
    size_t nvalues = 0;
    out.filters.push_back(H5Pget_filter2(plist, static_cast<unsigned>(i), &flags, &nvalues,
                                         nullptr, 0, nullptr, &config));
  }
  H5Pclose(plist);
  H5Dclose(d);
  return out;
}

// Link and attribute creation order flags of a group (H5P_CRT_ORDER_TRACKED | _INDEXED).
inline std::pair<unsigned, unsigned> group_creation_order(hid_t file, const std::string& group) {
  hid_t g = H5Gopen2(file, group.c_str(), H5P_DEFAULT);
  hid_t plist = H5Gget_create_plist(g);
  unsigned links = 0, attrs = 0;
  H5Pget_link_creation_order(plist, &links);
  H5Pget_attr_creation_order(plist, &attrs);
  H5Pclose(plist);
  H5Gclose(g);
  return {links, attrs};
}

}  // namespace sbi::io::testing
