#include "sbi/simulation_data.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "io/h5_file.h"
#include "sbi/simulation_rows.h"

namespace sbi {
namespace {

std::string shape_string(const std::vector<size_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

// An image dataset (N, H, W) or (N, C, H, W) as flat images, one per column.
Eigen::MatrixXd read_images(const io::H5File& f, const std::string& dataset, core::DataShape* shape) {
  std::vector<size_t> dims;
  std::vector<double> values = f.read_array(dataset, &dims);
  *shape = dims.size() == 3 ? core::DataShape::image(static_cast<int>(dims[1]), static_cast<int>(dims[2]))
                            : core::DataShape::image(static_cast<int>(dims[2]), static_cast<int>(dims[3]),
                                                     static_cast<int>(dims[1]));
  return Eigen::Map<const Eigen::MatrixXd>(values.data(), shape->flat_dim(),
                                           static_cast<Eigen::Index>(dims[0]));
}

// The trailing dimensions of an image observation: (H, W) or (C, H, W).
std::vector<size_t> image_dims(const core::DataShape& shape) {
  std::vector<size_t> dims;
  if (shape.channels > 1) dims.push_back(static_cast<size_t>(shape.channels));
  dims.push_back(static_cast<size_t>(shape.height));
  dims.push_back(static_cast<size_t>(shape.width));
  return dims;
}

}  // namespace

SimulationData load_simulations(const std::string& path, NonFinitePolicy policy) {
  const SimulationRows rows(path);
  Eigen::MatrixXd theta, x;
  rows.read(0, rows.rows(), &theta, &x);
  SimulationData d;
  d.data_names = rows.data_names();
  d.x_shape = rows.x_shape();
  std::vector<Eigen::Index> keep;
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    if (x.col(j).allFinite()) {
      keep.push_back(j);
    } else if (policy == NonFinitePolicy::kError) {
      throw core::Error(path + ": /x row " + std::to_string(j) +
                        " has NaN or Inf (use --nonfinite drop to skip such rows)");
    }
  }
  d.dropped_nonfinite = x.cols() - static_cast<long>(keep.size());
  if (d.dropped_nonfinite == 0) {
    d.theta = std::move(theta);
    d.x = std::move(x);
  } else {
    d.theta = theta(Eigen::all, keep);
    d.x = x(Eigen::all, keep);
  }
  d.parameter_names = rows.parameter_names();
  d.prior = rows.prior();
  return d;
}

SampleData load_sample_data(const std::string& path) {
  io::H5File f = io::H5File::open_read(path);
  core::check(f.is_dataset("/x"), path + " has no /x dataset (the data: (N, D) vectors, or "
                                         "(N, H, W) or (N, C, H, W) images)");
  const std::vector<size_t> dims = f.shape("/x");
  core::check(dims.size() >= 2 && dims.size() <= 4,
              path + ": /x has shape " + shape_string(dims) +
                  "; expected (N, D), (N, H, W) or (N, C, H, W)");
  core::check(dims[0] > 0, path + ": /x holds no samples (0 rows)");
  SampleData d;
  d.x = dims.size() >= 3 ? read_images(f, "/x", &d.shape) : f.read_matrix("/x");
  if (dims.size() == 2) {
    core::check(!f.has_attr("/", "set_size"),
                path + ": /x holds sets (root attribute set_size); a VAE takes vectors or images");
    d.shape = core::DataShape::vector(static_cast<int>(d.x.rows()));
  }
  for (Eigen::Index j = 0; j < d.x.cols(); ++j)
    if (!d.x.col(j).allFinite())
      for (Eigen::Index i = 0; i < d.x.rows(); ++i)
        if (!std::isfinite(d.x(i, j)))
          throw core::Error(path + ": /x sample " + std::to_string(j) + " has " +
                            (std::isnan(d.x(i, j)) ? "NaN" : "Inf") + " at entry " +
                            std::to_string(i) + " (pixel " + std::to_string(i) +
                            " in row-major order)");
  if (f.is_dataset("/theta")) {
    d.theta = f.read_matrix("/theta");
    core::check(d.theta.cols() == d.x.cols(),
                path + ": /theta has " + std::to_string(d.theta.cols()) + " rows but /x has " +
                    std::to_string(d.x.cols()));
    d.parameter_names = root_names(f, "parameter_names", "theta_", d.theta.rows());
    if (f.has_attr("/", "prior")) d.prior = core::Prior::parse(f.get_string_attr("/", "prior"));
  }
  return d;
}

Eigen::MatrixXd load_observations(const std::string& path, int expected_dim) {
  return load_observations(path, expected_dim, core::DataShape{});
}

Eigen::MatrixXd load_observations(const std::string& path, int expected_dim,
                                  const core::DataShape& layout, ObservationInfo* info) {
  io::H5File f = io::H5File::open_read(path);
  core::check(f.is_dataset("/x"), path + " has no /x dataset (an observation file holds /x "
                                         "of shape (D,) or (K, D))");
  const std::vector<size_t> shape = f.shape("/x");
  core::check(!(shape.size() == 2 && shape[0] == 0),
              path + ": /x holds no observations (0 rows)");
  if (info != nullptr) *info = ObservationInfo{};
  if (layout.is_image() && shape.size() >= 2) {
    // One image (H, W) / (C, H, W), or K of them with a leading K.
    const std::vector<size_t> dims = image_dims(layout);
    const bool one = shape == dims;
    const bool several = shape.size() == dims.size() + 1 &&
                         std::equal(dims.begin(), dims.end(), shape.begin() + 1);
    core::check(one || several, path + ": /x has shape " + shape_string(shape) +
                                    ", but the model takes " + layout.describe() + ": " +
                                    shape_string(dims) + " for one image or (K, " +
                                    shape_string(dims).substr(1) + " for K");
    std::vector<size_t> read_dims;
    std::vector<double> values = f.read_array("/x", &read_dims);
    const Eigen::Index k = one ? 1 : static_cast<Eigen::Index>(shape[0]);
    core::check(k >= 1, path + ": /x holds no observations (0 images)");
    Eigen::MatrixXd images = Eigen::Map<const Eigen::MatrixXd>(values.data(), layout.flat_dim(), k);
    core::check(images.allFinite(), path + ": /x contains NaN or Inf");
    return images;
  }
  Eigen::MatrixXd x = f.read_matrix("/x");
  const bool catalogue = layout.is_set() && shape.size() == 2 &&
                         static_cast<int>(shape[1]) == layout.features &&
                         layout.features != expected_dim;
  if (catalogue) {
    // x is features x N_rows: column j is row (star) j.
    const long rows = x.cols();
    const std::string what = path + ": the catalogue /x " + shape_string(shape) + " has " +
                             std::to_string(rows) + " rows (stars)";
    core::check(rows >= 1, what + "; at least one is needed");
    core::check(x.allFinite(), path + ": /x contains NaN or Inf");
    core::check(rows <= layout.set_size,
                what + ", but the model takes sets of at most " + std::to_string(layout.set_size) +
                    " (train on simulations with at least " + std::to_string(rows) + ")");
    core::check(rows == layout.set_size || layout.masked,
                what + ", but the model was trained on sets of exactly " +
                    std::to_string(layout.set_size) +
                    " (train on simulations of this size, or of variable size, e.g. sbi simulate "
                    "--task dwarf --param num_stars_min=...)");
    const int w = layout.row_width();
    Eigen::MatrixXd flat = Eigen::MatrixXd::Zero(layout.flat_dim(), 1);
    for (long j = 0; j < rows; ++j) {
      flat.col(0).segment(j * w, layout.features) = x.col(j);
      if (layout.masked) flat(j * w + layout.features, 0) = 1.0;
    }
    ObservationInfo found;
    found.catalogue = true;
    found.rows = rows;
    if (f.is_dataset("/v_err")) {
      Eigen::VectorXd v_err = f.read_vector("/v_err");
      core::check(v_err.size() == rows, path + ": /v_err has " + std::to_string(v_err.size()) +
                                            " entries but the catalogue /x has " +
                                            std::to_string(rows) + " rows");
      core::check(v_err.allFinite() && (v_err.array() >= 0).all(),
                  path + ": /v_err must be finite and >= 0");
      std::vector<double> sorted(v_err.data(), v_err.data() + rows);
      std::nth_element(sorted.begin(), sorted.begin() + rows / 2, sorted.end());
      found.has_v_err = true;
      found.median_v_err = sorted[rows / 2];
    }
    if (info != nullptr) *info = found;
    return flat;
  }
  if (shape.size() == 1) x.transposeInPlace();  // (D,) is one observation, not D of dim 1
  core::check(x.rows() == expected_dim,
              path + ": /x has dimension " + std::to_string(x.rows()) + " (shape " +
                  shape_string(shape) + "), but the model was trained on data of dimension " +
                  std::to_string(expected_dim) +
                  (layout.is_set() ? " (or give one catalogue of shape (N_rows, " +
                                         std::to_string(layout.features) + "), N_rows " +
                                         (layout.masked ? "<= " : "= ") +
                                         std::to_string(layout.set_size) + ")"
                                   : std::string()));
  core::check(x.allFinite(), path + ": /x contains NaN or Inf");
  return x;
}

}  // namespace sbi
