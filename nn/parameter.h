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

// Elements [begin, end) of params[index] (column-major order); `offset` is begin's place in
// the flat parameter order of flatten_values.
struct ParameterSlice {
  size_t index;
  long begin, end, offset;
};

// The parameters cut into slices of at most `max_length` elements, in flat order: the units
// of elementwise passes (Adam, zeroing, the sum of data-parallel gradients) that run over
// threads. Every element is computed by one slice alone, so the bits do not depend on the
// number of threads.
std::vector<ParameterSlice> slice_parameters(const Parameters& params, long max_length = 4096);

// The threads an elementwise pass over `scalars` values uses: the OpenMP threads available,
// but 1 below 32768 values, where starting them costs more than they save.
int elementwise_threads(long scalars);

// Sets every gradient buffer to zero (gradients accumulate, as in Stan's adjoints), on
// elementwise_threads.
void zero_grad(const Parameters& params);

// Total number of scalars.
long count_scalars(const Parameters& params);

// Copies all values into / out of one flat vector, in parameter order.
Vector flatten_values(const Parameters& params);
Vector flatten_grads(const Parameters& params);
void unflatten_values(const Vector& flat, const Parameters& params);
void unflatten_grads(const Vector& flat, const Parameters& params);

}  // namespace sbi::nn
