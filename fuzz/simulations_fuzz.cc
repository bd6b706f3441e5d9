// Fuzzes sbi::load_simulations (the `sbi train --data` reader) with arbitrary bytes as the
// HDF5 file. A hostile file must end in core::Error, never in a crash, a sanitizer report,
// an exception of another type, or a result that breaks SimulationData's contract.
#include <cstddef>
#include <cstdint>

#include "core/error.h"
#include "fuzz/fuzz_support.h"
#include "sbi/simulation_data.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using sbi::fuzz::require;
  const std::string path = sbi::fuzz::write_input(data, size);
  for (sbi::NonFinitePolicy policy : {sbi::NonFinitePolicy::kDrop, sbi::NonFinitePolicy::kError}) {
    try {
      const sbi::SimulationData d = sbi::load_simulations(path, policy);
      require(d.theta.cols() == d.x.cols(), "theta and x pair up");
      require(d.theta.allFinite() && d.x.allFinite(), "theta and x are finite");
      require(static_cast<long>(d.parameter_names.size()) == d.theta.rows(), "one name per parameter");
      require(static_cast<long>(d.data_names.size()) == d.x.rows(), "one name per data entry");
      require(d.x_shape.flat_dim() == d.x.rows(), "x matches its shape");
      require(!d.prior || d.prior->dim() >= 1, "a prior has marginals");
    } catch (const sbi::core::Error&) {
      // A clear error is the right answer to a broken file.
    }
  }
  return 0;
}
