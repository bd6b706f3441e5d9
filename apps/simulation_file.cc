#include "apps/simulation_file.h"

#include "io/provenance.h"
#include "sbi/simulation_data.h"

namespace sbi::app {

void write_simulation_file(io::H5File& f, const Invocation& inv, const SimulationFileContents& c) {
  io::Provenance p;
  p.command_line = inv.command_line;
  p.seed = c.seed;
  p.has_seed = true;
  p.parameter_names = c.parameter_names;
  p.data_names = c.data_names;
  io::stamp_provenance(f, p);
  f.set_attr("/", "prior", c.prior->to_string());
  if (!c.prior_file.empty()) f.set_attr("/", "prior_file", c.prior_file);
  f.set_attr("/", "num_simulations", static_cast<std::int64_t>(c.x->cols()));
  write_simulations(f, *c.theta, *c.x, c.x_shape);
}

}  // namespace sbi::app
