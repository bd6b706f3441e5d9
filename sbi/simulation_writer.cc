// Writing simulations with the shape of x (core/data_shape.h); read back by
// load_simulations (simulation_data.cc).
#include "io/data_shape_attributes.h"
#include "sbi/simulation_data.h"

#include "core/error.h"

namespace sbi {

void write_simulations(io::H5File& f, const Eigen::MatrixXd& theta, const Eigen::MatrixXd& x,
                       const core::DataShape& shape) {
  core::check(theta.cols() == x.cols(), "write_simulations: theta has " +
                                            std::to_string(theta.cols()) + " samples, x " +
                                            std::to_string(x.cols()));
  core::check(shape.kind == core::DataShape::Kind::kVector || shape.flat_dim() == x.rows(),
              "write_simulations: x has " + std::to_string(x.rows()) + " rows, but its shape is " +
                  shape.describe());
  f.write_matrix("/theta", theta);
  io::write_shape_attributes(f, shape);
  if (shape.is_image()) {
    // Column j of x is image j in C order, so x's storage is the (N, [C,] H, W) array.
    std::vector<size_t> dims = {static_cast<size_t>(x.cols())};
    if (shape.channels > 1) dims.push_back(static_cast<size_t>(shape.channels));
    dims.push_back(static_cast<size_t>(shape.height));
    dims.push_back(static_cast<size_t>(shape.width));
    f.write_array("/x", dims, std::vector<double>(x.data(), x.data() + x.size()));
    return;
  }
  f.write_matrix("/x", x);
  if (shape.is_set()) {
    // Rows present per simulation, for information (and for readers of other tools).
    const int w = shape.row_width();
    std::vector<std::int64_t> counts(x.cols(), shape.set_size);
    if (shape.masked)
      for (Eigen::Index i = 0; i < x.cols(); ++i) {
        std::int64_t n = 0;
        for (int j = 0; j < shape.set_size; ++j) n += x(j * w + shape.features, i) == 1.0;
        counts[i] = n;
      }
    f.write_int64_vector("/num_stars", counts);
  }
}

}  // namespace sbi
