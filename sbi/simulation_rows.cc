#include "sbi/simulation_rows.h"

#include <algorithm>

#include "core/error.h"

namespace sbi {
namespace {

// The set layout declared by the root attributes for /x of `x_dim` values per row, checked
// against /num_stars; renames the data for inserted presence flags. A vector layout when the
// file holds no sets.
SetLayoutReading read_set_layout(const io::H5File& f, const std::string& path, long x_dim, long n,
                                 std::vector<std::string>* data_names) {
  SetLayoutReading r;
  r.layout = core::DataShape::vector(static_cast<int>(x_dim));
  if (!f.has_attr("/", "set_size")) return r;
  core::DataShape& layout = r.layout;
  layout.kind = core::DataShape::Kind::kSet;
  const std::int64_t set_size = f.get_int_attr("/", "set_size");
  core::check(f.has_attr("/", "set_features"),
              path + ": root attribute set_size without set_features (data entries per row)");
  const std::int64_t features = f.get_int_attr("/", "set_features");
  layout.masked = f.has_attr("/", "set_masked") && f.get_int_attr("/", "set_masked") != 0;
  core::check(set_size >= 1 && features >= 1, path + ": set_size and set_features must be >= 1");
  // Every layout has /x of at least set_size x set_features columns, so larger values are
  // wrong; checked before they become ints (DataShape::flat_dim() multiplies them as int).
  core::check(set_size <= x_dim && features <= x_dim && set_size * features <= x_dim,
              path + ": set_size " + std::to_string(set_size) + " and set_features " +
                  std::to_string(features) + " do not fit the " + std::to_string(x_dim) +
                  " columns of /x");
  layout.set_size = static_cast<int>(set_size);
  layout.features = static_cast<int>(features);
  if (f.is_dataset("/num_stars")) {
    r.counts = f.read_int64_vector("/num_stars");
    core::check(static_cast<long>(r.counts.size()) == n,
                path + ": /num_stars has " + std::to_string(r.counts.size()) + " entries but /x has " +
                    std::to_string(n) + " rows");
    for (std::int64_t c : r.counts)
      core::check(c >= 0 && c <= layout.set_size,
                  path + ": /num_stars has a count " + std::to_string(c) + " outside 0.." +
                      std::to_string(layout.set_size));
  }
  const bool all_full = std::all_of(r.counts.begin(), r.counts.end(),
                                    [&](std::int64_t c) { return c == layout.set_size; });
  if (!layout.masked && !r.counts.empty() && !all_full &&
      x_dim == static_cast<long>(layout.set_size) * layout.features) {
    // Counts with padding: presence flags are inserted on reading.
    const int f_ = layout.features;
    std::vector<std::string> names;
    const bool named = static_cast<long>(data_names->size()) == x_dim;
    for (int j = 0; j < layout.set_size; ++j) {
      for (int k = 0; k < f_; ++k)
        names.push_back(named ? (*data_names)[j * f_ + k] : "x" + std::to_string(j) + "_" + std::to_string(k));
      names.push_back("m_" + std::to_string(j));
    }
    *data_names = std::move(names);
    layout.masked = true;
    r.insert_flags = true;
    return r;
  }
  core::check(x_dim == layout.flat_dim(),
              path + ": /x has " + std::to_string(x_dim) + " columns, but set_size " +
                  std::to_string(layout.set_size) + " x (set_features " +
                  std::to_string(layout.features) + (layout.masked ? " + 1 mask" : "") + ") = " +
                  std::to_string(layout.flat_dim()));
  return r;
}

// Brings rows first.. of /x (one per column) to the set layout: inserts the presence flags,
// or checks them (0 or 1, agreeing with /num_stars) and zeroes the padding.
void bring_to_set_layout(const SetLayoutReading& r, const std::string& path, long first,
                         Eigen::MatrixXd* x) {
  const core::DataShape& layout = r.layout;
  const long n = x->cols();
  if (r.insert_flags) {
    const int f_ = layout.features, w = f_ + 1;
    Eigen::MatrixXd masked = Eigen::MatrixXd::Zero(layout.set_size * w, n);
    for (long i = 0; i < n; ++i)
      for (int j = 0; j < r.counts[first + i]; ++j) {
        masked.col(i).segment(j * w, f_) = x->col(i).segment(j * f_, f_);
        masked(j * w + f_, i) = 1.0;
      }
    *x = std::move(masked);
    return;
  }
  if (!layout.masked) return;
  const int w = layout.row_width();
  for (long i = 0; i < n; ++i) {
    long present = 0;
    for (int j = 0; j < layout.set_size; ++j) {
      const double m = (*x)(j * w + layout.features, i);
      core::check(m == 0.0 || m == 1.0, path + ": /x row " + std::to_string(first + i) +
                                             " has a presence flag " + std::to_string(m) +
                                             " (set_masked: flags must be 0 or 1)");
      present += m == 1.0;
      if (m == 0.0) x->col(i).segment(j * w, layout.features).setZero();  // padding: any value
    }
    // (Not core::check: its message, built before the test, would read counts when there
    // are none.)
    if (!r.counts.empty() && r.counts[first + i] != present)
      throw core::Error(path + ": /num_stars[" + std::to_string(first + i) + "] = " +
                        std::to_string(r.counts[first + i]) + " but the mask of /x row " +
                        std::to_string(first + i) + " has " + std::to_string(present) + " rows present");
  }
}

}  // namespace

std::vector<std::string> root_names(const io::H5File& f, const char* attr, const std::string& prefix,
                                    long n) {
  if (f.has_attr("/", attr)) {
    std::vector<std::string> names = f.get_string_list_attr("/", attr);
    if (static_cast<long>(names.size()) == n) return names;
  }
  std::vector<std::string> names;
  for (long i = 0; i < n; ++i) names.push_back(prefix + std::to_string(i));
  return names;
}

SimulationRows::SimulationRows(const std::string& path)
    : path_(path), file_(io::H5File::open_read(path)) {
  for (const char* name : {"/theta", "/x"})
    core::check(file_.is_dataset(name), path + " has no " + name +
                                            " dataset (a simulation file needs /theta (N, D_theta) "
                                            "and /x (N, D_x))");
  const std::vector<size_t> theta_dims = file_.shape("/theta");
  core::check(theta_dims.size() == 1 || theta_dims.size() == 2,
              path + ": /theta has " + std::to_string(theta_dims.size()) +
                  " dimensions; expected (N, D_theta) or (N,)");
  const std::vector<size_t> x_dims = file_.shape("/x");
  core::check(x_dims.size() >= 1 && x_dims.size() <= 4,
              path + ": /x has " + std::to_string(x_dims.size()) +
                  " dimensions; expected (N, D), (N, H, W) or (N, C, H, W)");
  core::check(theta_dims[0] == x_dims[0], path + ": /theta has " + std::to_string(theta_dims[0]) +
                                              " rows but /x has " + std::to_string(x_dims[0]) +
                                              "; they must pair up row by row");
  rows_ = static_cast<long>(x_dims[0]);
  theta_dim_ = theta_dims.size() == 2 ? static_cast<int>(theta_dims[1]) : 1;
  raw_x_dim_ = 1;
  for (size_t i = 1; i < x_dims.size(); ++i) raw_x_dim_ *= static_cast<long>(x_dims[i]);
  data_names_ = root_names(file_, "data_names", "x_", raw_x_dim_);
  if (x_dims.size() >= 3) {
    x_shape_ = x_dims.size() == 3
                   ? core::DataShape::image(static_cast<int>(x_dims[1]), static_cast<int>(x_dims[2]))
                   : core::DataShape::image(static_cast<int>(x_dims[2]), static_cast<int>(x_dims[3]),
                                            static_cast<int>(x_dims[1]));
  } else {
    set_ = read_set_layout(file_, path, raw_x_dim_, rows_, &data_names_);
    x_shape_ = set_.layout;
  }
  parameter_names_ = root_names(file_, "parameter_names", "theta_", theta_dim_);
  if (file_.has_attr("/", "prior")) prior_ = core::Prior::parse(file_.get_string_attr("/", "prior"));
  chunk_rows_ = static_cast<long>(file_.chunk_rows("/x"));
}

void SimulationRows::read(long first, long count, Eigen::MatrixXd* theta, Eigen::MatrixXd* x) const {
  core::check(first >= 0 && count >= 0 && first + count <= rows_,
              path_ + ": rows " + std::to_string(first) + " to " + std::to_string(first + count) +
                  " are outside its " + std::to_string(rows_));
  *theta = file_.read_rows("/theta", static_cast<size_t>(first), static_cast<size_t>(count));
  for (Eigen::Index j = 0; j < theta->cols(); ++j)
    core::check(theta->col(j).allFinite(),
                path_ + ": /theta row " + std::to_string(first + j) + " has NaN or Inf");
  *x = file_.read_rows("/x", static_cast<size_t>(first), static_cast<size_t>(count));
  if (x_shape_.is_set()) bring_to_set_layout(set_, path_, first, x);
}

}  // namespace sbi
