// Fuzzes sbi::load_model (the `sbi sample/map/diagnose --model` reader) with arbitrary bytes
// as the HDF5 file, then evaluates the loaded model once, as `sbi sample` would.
#include <cstddef>
#include <cstdint>

#include "core/error.h"
#include "fuzz/fuzz_support.h"
#include "sbi/model_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using sbi::fuzz::require;
  const std::string path = sbi::fuzz::write_input(data, size);
  try {
    sbi::TrainSummary summary;
    const sbi::PosteriorModel m = sbi::load_model(path, &summary);
    require(m.theta_dim() >= 1 && m.x_dim() >= 1, "a model has dimensions");
    require(m.theta_norm.dim() == m.theta_dim() && m.x_norm.dim() == m.x_dim(),
            "normalisation matches the network");
    require(static_cast<int>(summary.history.size()) == summary.epochs, "history has every epoch");
  } catch (const sbi::core::Error&) {
  }
  return 0;
}
