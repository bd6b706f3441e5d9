#include "core/data_shape.h"

#include "core/error.h"

namespace sbi::core {

DataShape DataShape::vector(int d) {
  DataShape s;
  s.dim = d;
  return s;
}

DataShape DataShape::set(int set_size, int features, bool masked) {
  DataShape s;
  s.kind = Kind::kSet;
  s.set_size = set_size;
  s.features = features;
  s.masked = masked;
  return s;
}

DataShape DataShape::image(int height, int width, int channels) {
  DataShape s;
  s.kind = Kind::kImage;
  s.height = height;
  s.width = width;
  s.channels = channels;
  return s;
}

int DataShape::flat_dim() const {
  switch (kind) {
    case Kind::kVector: return dim;
    case Kind::kSet: return set_size * row_width();
    case Kind::kImage: return channels * height * width;
  }
  return 0;
}

std::string DataShape::describe() const {
  switch (kind) {
    case Kind::kVector: return "a vector of " + std::to_string(dim);
    case Kind::kSet:
      return "a set of " + std::to_string(set_size) + " rows of " + std::to_string(features) +
             " features" + (masked ? " (variable size, masked)" : "");
    case Kind::kImage:
      return "an image of " +
             (channels == 1 ? std::string() : std::to_string(channels) + " channels of ") +
             std::to_string(height) + " x " + std::to_string(width) + " pixels";
  }
  return "?";
}

void DataShape::check(const std::string& context) const {
  const bool ok = kind == Kind::kVector ? dim >= 1
                  : kind == Kind::kSet  ? set_size >= 1 && features >= 1
                                        : channels >= 1 && height >= 1 && width >= 1;
  if (!ok) throw Error(context + ": invalid data shape (" + describe() + ")");
}

}  // namespace sbi::core
