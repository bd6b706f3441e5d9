#include "apps/simulation_file.h"

#include "io/provenance.h"
#include "sbi/simulation_data.h"

namespace sbi::app {

io::Provenance provenance_of(const Invocation& inv, std::uint64_t seed) {
  io::Provenance p;
  p.command_line = inv.command_line;
  p.seed = seed;
  p.has_seed = true;
  return p;
}

void write_samples(io::H5File& f, const std::string& name, const Eigen::MatrixXd& x, const core::DataShape& shape) {
  std::vector<size_t> dims{static_cast<size_t>(x.cols())};
  if (shape.is_image()) {
    if (shape.channels > 1) dims.push_back(static_cast<size_t>(shape.channels));
    dims.push_back(static_cast<size_t>(shape.height));
    dims.push_back(static_cast<size_t>(shape.width));
  } else {
    dims.push_back(static_cast<size_t>(x.rows()));
  }
  f.write_array(name, dims, std::vector<double>(x.data(), x.data() + x.size()));
}

void write_simulation_file(io::H5File& f, const Invocation& inv, const SimulationFileContents& c) {
  io::Provenance p = provenance_of(inv, c.seed);
  p.parameter_names = c.parameter_names;
  p.data_names = c.data_names;
  io::stamp_provenance(f, p);
  f.set_attr("/", "prior", c.prior->to_string());
  if (!c.prior_file.empty()) f.set_attr("/", "prior_file", c.prior_file);
  f.set_attr("/", "num_simulations", static_cast<std::int64_t>(c.x->cols()));
  write_simulations(f, *c.theta, *c.x, c.x_shape);
}

}  // namespace sbi::app
