// Fuzzes sbi::load_observations (the `sbi sample/map --observation` reader) with arbitrary
// bytes as the HDF5 file, for a plain model (x of dimension 2, like two_moons) and for set
// models (sets of 4 rows of 2 features, masked and not, like a small dwarf model).
#include <cstddef>
#include <cstdint>

#include "core/error.h"
#include "fuzz/fuzz_support.h"
#include "sbi/simulation_data.h"

namespace {

void check(const std::string& path, int expected_dim, const sbi::core::DataShape& layout) {
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
  check(path, 2, sbi::core::DataShape::vector(2));
  const sbi::core::DataShape masked = sbi::core::DataShape::set(4, 2, true);
  check(path, masked.flat_dim(), masked);
  const sbi::core::DataShape full = sbi::core::DataShape::set(4, 2, false);
  check(path, full.flat_dim(), full);
  const sbi::core::DataShape image = sbi::core::DataShape::image(3, 4);
  check(path, image.flat_dim(), image);
  return 0;
}
