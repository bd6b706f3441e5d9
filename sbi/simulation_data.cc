#include "sbi/simulation_data.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "io/h5_file.h"

namespace sbi {
namespace {

std::vector<std::string> names_or_default(const io::H5File& f, const char* attr,
                                          const std::string& prefix, long n) {
  if (f.has_attr("/", attr)) {
    std::vector<std::string> names = f.get_string_list_attr("/", attr);
    if (static_cast<long>(names.size()) == n) return names;
  }
  std::vector<std::string> names;
  for (long i = 0; i < n; ++i) names.push_back(prefix + std::to_string(i));
  return names;
}

std::string shape_string(const std::vector<size_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

// Reads the set layout of a simulation file and brings x to it: checks D_x, converts
// /num_stars counts to the masked layout, checks masks are 0/1 and agree with /num_stars.
core::DataShape read_set_layout(const io::H5File& f, const std::string& path, Eigen::MatrixXd* x,
                          std::vector<std::string>* data_names) {
  core::DataShape layout = core::DataShape::vector(static_cast<int>(x->rows()));
  if (!f.has_attr("/", "set_size")) return layout;
  layout.kind = core::DataShape::Kind::kSet;
  const std::int64_t set_size = f.get_int_attr("/", "set_size");
  core::check(f.has_attr("/", "set_features"),
              path + ": root attribute set_size without set_features (data entries per row)");
  const std::int64_t features = f.get_int_attr("/", "set_features");
  layout.masked = f.has_attr("/", "set_masked") && f.get_int_attr("/", "set_masked") != 0;
  core::check(set_size >= 1 && features >= 1, path + ": set_size and set_features must be >= 1");
  // Every layout has /x of at least set_size x set_features columns, so larger values are
  // wrong; checked before they become ints (DataShape::flat_dim() multiplies them as int).
  core::check(set_size <= x->rows() && features <= x->rows() && set_size * features <= x->rows(),
              path + ": set_size " + std::to_string(set_size) + " and set_features " +
                  std::to_string(features) + " do not fit the " + std::to_string(x->rows()) +
                  " columns of /x");
  layout.set_size = static_cast<int>(set_size);
  layout.features = static_cast<int>(features);
  const long n = x->cols();
  std::vector<std::int64_t> counts;
  if (f.is_dataset("/num_stars")) {
    counts = f.read_int64_vector("/num_stars");
    core::check(static_cast<long>(counts.size()) == n,
                path + ": /num_stars has " + std::to_string(counts.size()) + " entries but /x has " +
                    std::to_string(n) + " rows");
    for (std::int64_t c : counts)
      core::check(c >= 0 && c <= layout.set_size,
                  path + ": /num_stars has a count " + std::to_string(c) + " outside 0.." +
                      std::to_string(layout.set_size));
  }
  const bool all_full = std::all_of(counts.begin(), counts.end(),
                                    [&](std::int64_t c) { return c == layout.set_size; });
  if (!layout.masked && !counts.empty() && !all_full &&
      x->rows() == static_cast<long>(layout.set_size) * layout.features) {
    // Counts with padding: insert the presence flags.
    const int f_ = layout.features, w = f_ + 1;
    Eigen::MatrixXd masked = Eigen::MatrixXd::Zero(layout.set_size * w, n);
    for (long i = 0; i < n; ++i)
      for (int j = 0; j < counts[i]; ++j) {
        masked.col(i).segment(j * w, f_) = x->col(i).segment(j * f_, f_);
        masked(j * w + f_, i) = 1.0;
      }
    std::vector<std::string> names;
    const bool named = static_cast<long>(data_names->size()) == x->rows();
    for (int j = 0; j < layout.set_size; ++j) {
      for (int k = 0; k < f_; ++k)
        names.push_back(named ? (*data_names)[j * f_ + k] : "x" + std::to_string(j) + "_" + std::to_string(k));
      names.push_back("m_" + std::to_string(j));
    }
    *x = std::move(masked);
    *data_names = std::move(names);
    layout.masked = true;
    return layout;
  }
  core::check(x->rows() == layout.flat_dim(),
              path + ": /x has " + std::to_string(x->rows()) + " columns, but set_size " +
                  std::to_string(layout.set_size) + " x (set_features " +
                  std::to_string(layout.features) + (layout.masked ? " + 1 mask" : "") + ") = " +
                  std::to_string(layout.flat_dim()));
  if (layout.masked) {
    const int w = layout.row_width();
    for (long i = 0; i < n; ++i) {
      long present = 0;
      for (int j = 0; j < layout.set_size; ++j) {
        const double m = (*x)(j * w + layout.features, i);
        core::check(m == 0.0 || m == 1.0, path + ": /x row " + std::to_string(i) +
                                               " has a presence flag " + std::to_string(m) +
                                               " (set_masked: flags must be 0 or 1)");
        present += m == 1.0;
        if (m == 0.0) x->col(i).segment(j * w, layout.features).setZero();  // padding: any value
      }
      // (Not core::check: its message, built before the test, would read counts[i] when
      // there are no counts.)
      if (!counts.empty() && counts[i] != present)
        throw core::Error(path + ": /num_stars[" + std::to_string(i) + "] = " +
                          std::to_string(counts[i]) + " but the mask of /x row " +
                          std::to_string(i) + " has " + std::to_string(present) + " rows present");
    }
  }
  return layout;
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
  io::H5File f = io::H5File::open_read(path);
  for (const char* name : {"/theta", "/x"})
    core::check(f.is_dataset(name), path + " has no " + name +
                                        " dataset (a simulation file needs /theta (N, D_theta) "
                                        "and /x (N, D_x))");
  const Eigen::MatrixXd theta = f.read_matrix("/theta");
  const std::vector<size_t> x_dims = f.shape("/x");
  core::check(x_dims.size() <= 4, path + ": /x has " + std::to_string(x_dims.size()) +
                                      " dimensions; expected (N, D), (N, H, W) or (N, C, H, W)");
  core::DataShape image;
  Eigen::MatrixXd x = x_dims.size() >= 3 ? read_images(f, "/x", &image) : f.read_matrix("/x");
  core::check(theta.cols() == x.cols(), path + ": /theta has " + std::to_string(theta.cols()) +
                                            " rows but /x has " + std::to_string(x.cols()) +
                                            "; they must pair up row by row");
  for (Eigen::Index j = 0; j < theta.cols(); ++j)
    core::check(theta.col(j).allFinite(),
                path + ": /theta row " + std::to_string(j) + " has NaN or Inf");
  SimulationData d;
  d.data_names = names_or_default(f, "data_names", "x_", x.rows());
  d.x_shape = image.is_image() ? image : read_set_layout(f, path, &x, &d.data_names);
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
  d.theta = theta(Eigen::all, keep);
  d.x = x(Eigen::all, keep);
  d.parameter_names = names_or_default(f, "parameter_names", "theta_", theta.rows());
  if (f.has_attr("/", "prior")) d.prior = core::Prior::parse(f.get_string_attr("/", "prior"));
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
    d.parameter_names = names_or_default(f, "parameter_names", "theta_", d.theta.rows());
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
