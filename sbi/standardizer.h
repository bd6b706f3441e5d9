// z-scoring: u = (v - mean) / std per dimension, with statistics from the training set
// stored in the model file. A constant dimension keeps std = 1 (it carries no information
// and must not divide by zero).
//
// Set data (x a flattened set of rows, e.g. stars (R, v_los); see core::DataShape) is standardised
// per feature instead: one centre and scale for R and one for v, over every present row of
// every training sample, repeated for each row. Per-dimension statistics would treat row 1
// and row 2 differently and break the permutation invariance of a set embedding; tied
// statistics keep it, and keep apply() and the file layout (one mean and std per dimension)
// unchanged. For set features the centre is the median and the scale 1.4826 × the median
// absolute deviation (= std for Gaussian data): pooled over sets whose scales differ by
// orders of magnitude (line-of-sight dispersions of 2–100 km/s, Plummer radii with an
// r^-5 tail) the std is set by the few largest sets and would squeeze typical rows to
// ~0.1; the robust scale keeps them O(1) (the dwarf example trains faster with it).
//
// Images and maps are standardised per channel: one mean and std over all pixels of all
// training images, never per pixel.
//
// A mask (sbi train --mask; see sbi/x_mask.h) marks dimensions that carry no information,
// e.g. the bad pixels of a detector: fit() leaves them out of the statistics and apply()
// maps each of them to exactly 0, whatever its value (NaN and Inf included), so that a
// masked pixel cannot change anything downstream, in training or at an observation.
#pragma once

#include <string>
#include <vector>

#include <Eigen/Core>

#include "core/data_shape.h"

namespace sbi {

// How Standardizer::fit names a feature in its errors: "<quantity> feature <i> (<names[i]>)".
struct FeatureNames {
  std::string quantity = "v";
  std::vector<std::string> names;  // optional, per feature (per dimension for plain data)
};

struct Standardizer {
  // One entry per dimension, true = use it; empty = every dimension is used.
  using Mask = Eigen::Array<bool, Eigen::Dynamic, 1>;

  Eigen::VectorXd mean, std;
  Mask mask;  // where false, apply() gives 0 (mean and std there are never used)

  // Per-dimension mean and std of the columns or, for set data (tying.is_set()), per-feature
  // median and scaled MAD over the present rows, stored in `mean` and `std`, with mean 0
  // and std 1 for the presence flags; for images, per-channel mean and std. Throws
  // core::Error for fewer than 2 samples (2 present rows), a layout not matching the rows,
  // NaN or Inf values, or statistics that are not finite (values near the largest double),
  // naming the feature by `names`. With a non-empty `mask` (vectors and images only; one
  // entry per dimension, at least one true), the masked dimensions are left out: their
  // values are not looked at, an image channel's statistics pool its unmasked pixels only
  // (and stay one value per channel), a masked vector dimension gets mean 0 and std 1; the
  // result carries the mask.
  static Standardizer fit(const Eigen::MatrixXd& columns, const core::DataShape& tying = {},
                          const FeatureNames& names = {}, const Mask& mask = {});
  static Standardizer identity(int dim);

  int dim() const { return static_cast<int>(mean.size()); }
  bool has_mask() const { return mask.size() > 0; }
  // The number of dimensions used (dim() without a mask).
  long used() const { return has_mask() ? static_cast<long>(mask.count()) : dim(); }
  // (v - mean) / std per dimension; 0 in every masked dimension.
  Eigen::MatrixXd apply(const Eigen::MatrixXd& v) const;
  Eigen::MatrixXd invert(const Eigen::MatrixXd& u) const {
    return (u.array().colwise() * std.array()).matrix().colwise() + mean;
  }
  // log |du/dv| = -sum log std: added to a density of u to get the density of v.
  double log_abs_det() const { return -std.array().log().sum(); }
};

}  // namespace sbi
