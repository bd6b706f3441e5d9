// The shape of one observation x, declared by a simulator and carried by the data: files,
// standardisation and embeddings choose their behaviour from it, never from the type of
// the simulator that made the data.
//
//   vector  D numbers                                   file (N, D)
//   set     up to S rows of F features (stars: R, v)    file (N, S * (F [+ 1])) + attributes
//           flattened row by row, each row followed by a presence flag (1 present, 0
//           padding) when `masked`
//   image   C channels of H x W pixels                  file (N, H, W) or (N, C, H, W)
//           flattened channel, row, column (C order)
//
// In memory x is always the flat vector (one column per sample); the shape says how to read it.
#pragma once

#include <string>

namespace sbi::core {

struct DataShape {
  enum class Kind { kVector, kSet, kImage };

  Kind kind = Kind::kVector;
  int dim = 0;          // vector: D (0 = not declared; the data's own length then)
  int set_size = 0;     // set: S rows
  int features = 0;     // set: F numbers per row
  bool masked = false;  // set: each row followed by its presence flag
  int channels = 0;     // image: C
  int height = 0;       // image: H
  int width = 0;        // image: W

  static DataShape vector(int d);
  static DataShape set(int set_size, int features, bool masked);
  static DataShape image(int height, int width, int channels = 1);

  bool is_set() const { return kind == Kind::kSet; }
  bool is_image() const { return kind == Kind::kImage; }
  int row_width() const { return features + (masked ? 1 : 0); }  // set
  int flat_dim() const;
  // "a vector of 3", "a set of 300 rows of 2 features (variable size, masked)", "an image of
  // 16 x 16 pixels", "an image of 3 channels of 16 x 16 pixels".
  std::string describe() const;
  // Throws core::Error(context + ": ...") for non-positive sizes.
  void check(const std::string& context) const;

  bool operator==(const DataShape& o) const {
    return kind == o.kind && flat_dim() == o.flat_dim() && set_size == o.set_size &&
           features == o.features && masked == o.masked && channels == o.channels &&
           height == o.height && width == o.width;
  }
  bool operator!=(const DataShape& o) const { return !(*this == o); }
};

}  // namespace sbi::core
