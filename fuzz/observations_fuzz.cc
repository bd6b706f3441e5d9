// Fuzzes sbi::load_observations (the `sbi sample/map --observation` reader) with arbitrary
// bytes as the HDF5 file, for a plain model (x of dimension 2, like two_moons) and for set
// models (sets of 4 rows of 2 features, masked and not, like a small dwarf model).
#include <cstddef>
#include <cstdint>

#include "core/error.h"
#include "fuzz/fuzz_support.h"
#include "sbi/simulation_data.h"

namespace {

void check(const std::string& path, int expected_dim, const sbi::SetLayout& layout) {
  using sbi::fuzz::require;
  try {
    sbi::ObservationInfo info;
    const Eigen::MatrixXd x = sbi::load_observations(path, expected_dim, layout, &info);
    require(x.rows() == expected_dim, "observations have the model's dimension");
    require(x.cols() >= 1, "at least one observation");
    require(x.allFinite(), "observations are finite");
    require(!info.catalogue || (info.rows >= 1 && info.rows <= layout.set_size),
            "a catalogue fits the set");
    require(!info.has_v_err || (info.median_v_err >= 0), "v_err median >= 0");
  } catch (const sbi::core::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = sbi::fuzz::write_input(data, size);
  check(path, 2, sbi::SetLayout{});
  sbi::SetLayout masked;
  masked.set_size = 4;
  masked.features = 2;
  masked.masked = true;
  check(path, masked.flat_dim(), masked);
  sbi::SetLayout full = masked;
  full.masked = false;
  check(path, full.flat_dim(), full);
  return 0;
}
