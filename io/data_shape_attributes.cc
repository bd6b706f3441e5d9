#include "io/data_shape_attributes.h"

#include "core/error.h"

namespace sbi::io {
namespace {

int positive_attr(const H5File& f, const char* name, const char* needed_by) {
  core::check(f.has_attr("/", name), f.path() + ": root attribute " + needed_by + " without " + name);
  const std::int64_t v = f.get_int_attr("/", name);
  core::check(v >= 1 && v <= (1 << 30), f.path() + ": root attribute " + name + " = " +
                                           std::to_string(v) + " must be between 1 and 2^30");
  return static_cast<int>(v);
}

// The flat size, computed in 64 bits, must fit an int (DataShape::flat_dim() is an int).
core::DataShape checked(const H5File& f, const core::DataShape& shape, std::int64_t flat) {
  core::check(flat <= (std::int64_t{1} << 31) - 1,
              f.path() + ": the data shape attributes declare " + std::to_string(flat) +
                  " numbers per sample, more than any x can have");
  return shape;
}

}  // namespace

void write_shape_attributes(H5File& f, const core::DataShape& shape) {
  if (shape.is_set()) {
    f.set_attr("/", "set_size", static_cast<std::int64_t>(shape.set_size));
    f.set_attr("/", "set_features", static_cast<std::int64_t>(shape.features));
    f.set_attr("/", "set_masked", static_cast<std::int64_t>(shape.masked ? 1 : 0));
  } else if (shape.is_image()) {
    f.set_attr("/", "image_channels", static_cast<std::int64_t>(shape.channels));
    f.set_attr("/", "image_height", static_cast<std::int64_t>(shape.height));
    f.set_attr("/", "image_width", static_cast<std::int64_t>(shape.width));
  }
}

core::DataShape read_shape_attributes(const H5File& f) {
  if (f.has_attr("/", "set_size")) {
    const int s = positive_attr(f, "set_size", "set_size");
    const int features = positive_attr(f, "set_features", "set_size");
    const bool masked = f.has_attr("/", "set_masked") && f.get_int_attr("/", "set_masked") != 0;
    return checked(f, core::DataShape::set(s, features, masked),
                   std::int64_t{s} * (features + (masked ? 1 : 0)));
  }
  if (f.has_attr("/", "image_height")) {
    const int h = positive_attr(f, "image_height", "image_height");
    const int w = positive_attr(f, "image_width", "image_height");
    const int c = positive_attr(f, "image_channels", "image_height");
    return checked(f, core::DataShape::image(h, w, c), std::int64_t{h} * w * c);
  }
  return core::DataShape{};
}

}  // namespace sbi::io
