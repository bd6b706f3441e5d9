// The arithmetic of a network's passes and its names in model files and flags.
#pragma once

#include <string>
#include <vector>

namespace sbi::nn {

// Double throughout, or the matrix products and activations in float (inputs, outputs,
// weights kept and gradients accumulated in double).
enum class Precision { kFloat64, kFloat32 };

// "float64", "float32" <-> enum; parse throws core::Error naming the accepted names.
Precision parse_precision(const std::string& name);
std::string precision_name(Precision p);
std::vector<std::string> precision_names();  // in the order of the enum

}  // namespace sbi::nn
