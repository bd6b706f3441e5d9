// The networks' matrix products, in one place: on a CPU with AVX-512 they run through a
// register-blocked kernel built for it (nn/detail/gemm_avx512.h), elsewhere (and for sums
// too deep for that kernel's blocking) through Eigen. Both compute the same products up to
// rounding (the order of the sums differs): a model trained on one CPU and evaluated on
// another agrees to ~1e-15 relative in double, ~1e-6 in float.
//
// SBI_PORTABLE_GEMM=1 in the environment (read once) keeps Eigen everywhere: the way to get
// the same rounding, and so bitwise the same training, on machines with and without AVX-512.
#pragma once

#include <Eigen/Core>

namespace sbi::nn {

template <class T>
using MatrixOf = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

// A column-major matrix or a block of columns of one: entry (i, j) at data[i + j * ld].
template <class T>
struct ConstMatrixView {
  const T* data = nullptr;
  long rows = 0, cols = 0, ld = 0;
};
template <class T>
struct MatrixView {
  T* data = nullptr;
  long rows = 0, cols = 0, ld = 0;
};

// Views of Eigen matrices, maps and column blocks (unit inner stride).
template <class Derived>
ConstMatrixView<typename Derived::Scalar> view_of(const Eigen::DenseBase<Derived>& m) {
  static_assert(!Derived::IsRowMajor, "view_of: column-major matrices only");
  return {m.derived().data(), m.rows(), m.cols(), m.derived().outerStride()};
}
template <class Derived>
MatrixView<typename Derived::Scalar> mutable_view_of(Eigen::DenseBase<Derived>& m) {
  static_assert(!Derived::IsRowMajor, "mutable_view_of: column-major matrices only");
  return {m.derived().data(), m.rows(), m.cols(), m.derived().outerStride()};
}

enum class Transpose { kNo, kYes };

// C = op(A) op(B), or C += op(A) op(B) when `accumulate`; op(X) is X or Xᵀ. The shapes must
// agree (C is not resized); C must not overlap A or B.
void multiply(ConstMatrixView<double> a, Transpose op_a, ConstMatrixView<double> b,
              Transpose op_b, MatrixView<double> c, bool accumulate);
void multiply(ConstMatrixView<float> a, Transpose op_a, ConstMatrixView<float> b,
              Transpose op_b, MatrixView<float> c, bool accumulate);

// y = W x + b (b: W.rows() entries, or null): y is resized to W.rows() x x.cols().
void affine(const MatrixOf<double>& w, const double* bias, const MatrixOf<double>& x,
            MatrixOf<double>* y);
void affine(const MatrixOf<float>& w, const float* bias, const MatrixOf<float>& x,
            MatrixOf<float>* y);

// The fused steps of an inference pass through a residual ReLU network (nn/float_mlp.h):
// y = max(0, W x + b), resized; and y += W x + b (y already W.rows() x x.cols()).
void affine_relu(const MatrixOf<float>& w, const float* bias, const MatrixOf<float>& x,
                 MatrixOf<float>* y);
void add_affine(const MatrixOf<float>& w, const float* bias, const MatrixOf<float>& x,
                MatrixOf<float>* y);

// grad_w += grad_y xᵀ (the weight gradient of y = W x over a batch).
void add_outer_products(const MatrixOf<double>& grad_y, const MatrixOf<double>& x,
                        MatrixOf<double>* grad_w);
// grad_w = grad_y xᵀ (overwritten; grad_w resized).
void outer_products(const MatrixOf<float>& grad_y, const MatrixOf<float>& x,
                    MatrixOf<float>* grad_w);

// grad_x = Wᵀ grad_y (the input gradient of y = W x); resized to W.cols() x grad_y.cols().
void transposed_product(const MatrixOf<double>& w, const MatrixOf<double>& grad_y,
                        MatrixOf<double>* grad_x);
void transposed_product(const MatrixOf<float>& w, const MatrixOf<float>& grad_y,
                        MatrixOf<float>* grad_x);

// The input gradient through y = W x followed by a ReLU whose output was `gate`:
// grad_x [+]= (gate > 0) ⊙ (Wᵀ grad_y), gated as the product is stored (no pass of its own).
// Without accumulate grad_x is resized; with it, it must be W.cols() x grad_y.cols().
void gated_transposed_product(const MatrixOf<float>& w, const MatrixOf<float>& grad_y,
                              const MatrixOf<float>& gate, MatrixOf<float>* grad_x,
                              bool accumulate);

// Whether the AVX-512 kernel is in use: the CPU has it and SBI_PORTABLE_GEMM is not set.
bool wide_gemm_enabled();
// Tests switch the kernel off and on to compare both paths (not thread-safe: call it
// while no product runs). Switching it on where the CPU lacks AVX-512 does nothing.
void set_wide_gemm_enabled(bool enabled);

}  // namespace sbi::nn
