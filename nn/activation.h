// Elementwise activations with their derivatives, applied to whole batches.
#pragma once

#include <string>
#include <vector>

#include "nn/matrix.h"

namespace sbi::nn {

enum class Activation { kReLU, kTanh, kSiLU, kELU };

// "relu", "tanh", "silu", "elu" <-> enum; parse throws core::Error on an unknown name.
Activation parse_activation(const std::string& name);
std::string activation_name(Activation a);
std::vector<std::string> activation_names();  // in the order of the enum

// out = act(pre), in double or single precision.
void activate(Activation a, const Matrix& pre, Matrix* out);
void activate(Activation a, const MatrixF& pre, MatrixF* out);

// grad_pre = grad_out * act'(pre), using `out` = act(pre) where that is cheaper.
void activation_backward(Activation a, const Matrix& pre, const Matrix& out,
                         const Matrix& grad_out, Matrix* grad_pre);
void activation_backward(Activation a, const MatrixF& pre, const MatrixF& out,
                         const MatrixF& grad_out, MatrixF* grad_pre);

}  // namespace sbi::nn
