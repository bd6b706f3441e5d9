// H5File: dimension scales (HDF5 high-level H5DS), which netCDF-4 readers turn into named
// dimensions. Without them netCDF invents phony_dim_N (POSTERIOR_FORMAT.md rule 1).
#include <hdf5_hl.h>

#include "core/error.h"
#include "io/detail/h5_handle.h"
#include "io/detail/h5_objects.h"
#include "io/h5_file.h"

namespace sbi::io {

using detail::Handle;

void H5File::make_dimension_scale(const std::string& dataset, const std::string& dim_name) {
  require_writable("make_dimension_scale");
  Handle d = detail::open_dataset(id_, path_, dataset, "make_dimension_scale");
  detail::check_status(H5DSset_scale(d.get(), dim_name.c_str()),
                       "make_dimension_scale: cannot make " + detail::located(dataset, path_) +
                           " the scale of dimension " + dim_name);
}

void H5File::attach_dimension_scale(const std::string& dataset, int axis,
                                    const std::string& scale_dataset) {
  require_writable("attach_dimension_scale");
  const std::string where = "attach_dimension_scale: " + detail::located(dataset, path_);
  Handle d = detail::open_dataset(id_, path_, dataset, "attach_dimension_scale");
  Handle scale = detail::open_dataset(id_, path_, scale_dataset, "attach_dimension_scale");
  Handle space = detail::checked(H5Dget_space(d.get()), H5Sclose, where + ": no shape");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (axis < 0 || axis >= rank) {
    throw core::Error(where + " has " + std::to_string(rank) + " axes, cannot attach to axis " +
                      std::to_string(axis));
  }
  if (H5DSis_scale(scale.get()) <= 0) {
    throw core::Error(where + ": " + scale_dataset + " is not a dimension scale");
  }
  detail::check_status(H5DSattach_scale(d.get(), scale.get(), static_cast<unsigned>(axis)),
                       where + ": cannot attach " + scale_dataset + " to axis " +
                           std::to_string(axis));
}

bool H5File::is_dimension_scale(const std::string& dataset) const {
  require_open("is_dimension_scale");
  Handle d = detail::open_dataset(id_, path_, dataset, "is_dimension_scale");
  return H5DSis_scale(d.get()) > 0;
}

namespace {

// Keeps the link name (last path component) of the first scale on an axis.
herr_t first_scale_name(hid_t, unsigned, hid_t scale, void* out) {
  const ssize_t length = H5Iget_name(scale, nullptr, 0);
  if (length <= 0) return 1;
  std::string name(static_cast<size_t>(length), '\0');
  H5Iget_name(scale, name.data(), name.size() + 1);
  const size_t slash = name.rfind('/');
  *static_cast<std::string*>(out) = slash == std::string::npos ? name : name.substr(slash + 1);
  return 1;  // stop after the first
}

}  // namespace

std::vector<std::string> H5File::dimension_names(const std::string& dataset) const {
  require_open("dimension_names");
  Handle d = detail::open_dataset(id_, path_, dataset, "dimension_names");
  Handle space = detail::checked(H5Dget_space(d.get()), H5Sclose,
                                 "dimension_names: " + detail::located(dataset, path_));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<std::string> names(static_cast<size_t>(std::max(rank, 0)));
  for (int axis = 0; axis < rank; ++axis) {
    if (H5DSget_num_scales(d.get(), static_cast<unsigned>(axis)) <= 0) continue;
    H5DSiterate_scales(d.get(), static_cast<unsigned>(axis), nullptr, first_scale_name,
                       &names[static_cast<size_t>(axis)]);
  }
  return names;
}

}  // namespace sbi::io
