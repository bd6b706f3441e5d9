// A trainable tensor: its value and the gradient buffer that backward passes add into.
// Modules hand out `Parameter`s (borrowed pointers into themselves) so optimisers,
// gradient checks and (de)serialisation work on any network without knowing its shape.
#pragma once

#include <string>
#include <vector>

#include "nn/matrix.h"

namespace sbi::nn {

struct Parameter {
  std::string name;  // unique within a model, e.g. "coupling3/mlp/dense1/weight"
  Matrix* value;     // borrowed
  Matrix* grad;      // borrowed, same shape as value
};

using Parameters = std::vector<Parameter>;

// Appends `params` to `out`, prefixing each name with `prefix` + "/".
void append_parameters(const std::string& prefix, const Parameters& params, Parameters* out);

// Sets every gradient buffer to zero (gradients accumulate, as in Stan's adjoints).
void zero_grad(const Parameters& params);

// Total number of scalars.
long count_scalars(const Parameters& params);

// Copies all values into / out of one flat vector, in parameter order.
Vector flatten_values(const Parameters& params);
Vector flatten_grads(const Parameters& params);
void unflatten_values(const Vector& flat, const Parameters& params);
void unflatten_grads(const Vector& flat, const Parameters& params);

}  // namespace sbi::nn
