#include "nn/gemm.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>

#include "core/cpu_features.h"
#include "core/error.h"
#include "nn/detail/gemm_avx512.h"
#include "nn/detail/transpose.h"

namespace sbi::nn {
namespace {

bool portable_requested() {
  const char* value = std::getenv("SBI_PORTABLE_GEMM");
  return value != nullptr && std::strcmp(value, "") != 0 && std::strcmp(value, "0") != 0;
}

std::atomic<bool>& wide_flag() {
  static std::atomic<bool> flag(core::cpu_has_avx512() && !portable_requested());
  return flag;
}

// The kernel streams a block's rows of A (up to 64 floats or 32 doubles x k) from L1/L2 for
// every 6 columns of B; past this depth a packed, cache-blocked GEMM (Eigen's) wins.
constexpr long kMaxDepth = 4096;

template <class T>
using Strided = Eigen::Map<const MatrixOf<T>, 0, Eigen::OuterStride<>>;

template <class T>
Strided<T> eigen_map(const ConstMatrixView<T>& v) {
  return Strided<T>(v.data, v.rows, v.cols, Eigen::OuterStride<>(v.ld));
}

template <class T, class A, class B>
void eigen_product(const A& a, const B& b, MatrixView<T> c, bool accumulate) {
  Eigen::Map<MatrixOf<T>, 0, Eigen::OuterStride<>> out(c.data, c.rows, c.cols,
                                                        Eigen::OuterStride<>(c.ld));
  if (accumulate)
    out.noalias() += a * b;
  else
    out.noalias() = a * b;
}

// A float product of at most this many rows fills at most a quarter of the kernel's 16
// lanes (a flow's output layer has 2 to 8 rows); from this many columns on it runs as
// Cᵀ = op(B)ᵀ op(A)ᵀ, whose rows are C's columns (measured: the two-row output layers of
// the PyTorch-comparison network went from 5% of a float training step to under 1%).
constexpr long kFewRows = 4;
constexpr long kManyColumns = 32;

// The product above as Cᵀ = op(B)ᵀ op(A)ᵀ through the kernel, then stored transposed with
// the bias, accumulation, ReLU or gate applied. op(B)ᵀ is B itself when op(B) = Bᵀ, else a
// transposed copy; op(A)ᵀ is read in place through the kernel's strided B.
template <class T>
void transposed_kernel_product(ConstMatrixView<T> a, bool ta, ConstMatrixView<T> b, bool tb,
                               MatrixView<T> c, bool accumulate, const T* bias, bool relu,
                               const MatrixOf<T>* gate) {
  const long m = c.rows, n = c.cols, k = ta ? a.rows : a.cols;
  thread_local MatrixOf<T> b_transposed, result;
  detail::GemmOperands<T> g;
  g.m = n;
  g.n = m;
  g.k = k;
  if (tb) {
    g.a = b.data;  // op(B)ᵀ = B: n x k, column-major
    g.lda = b.ld;
  } else {
    detail::transpose(b, &b_transposed);
    g.a = b_transposed.data();
    g.lda = n;
  }
  g.b = a.data;  // op(A)ᵀ(kk, i) = op(A)(i, kk)
  g.b_row_step = ta ? 1 : a.ld;
  g.b_col_step = ta ? a.ld : 1;
  result.resize(n, m);
  g.c = result.data();
  g.ldc = n;
  detail::gemm_avx512(g);
  for (long j = 0; j < n; ++j) {
    T* out = c.data + j * c.ld;
    for (long i = 0; i < m; ++i) {
      T v = result(j, i);
      if (bias != nullptr) v += bias[i];
      if (gate != nullptr && !((*gate)(i, j) > T(0))) v = T(0);
      if (accumulate) v = out[i] + v;
      if (relu) v = v > T(0) || v != v ? v : T(0);  // NaN stays NaN, as the kernel's max
      out[i] = v;
    }
  }
}

template <class T>
void multiply_any(ConstMatrixView<T> a, Transpose op_a, ConstMatrixView<T> b, Transpose op_b,
                  MatrixView<T> c, bool accumulate, const T* bias, bool relu = false,
                  const MatrixOf<T>* gate = nullptr) {
  const bool ta = op_a == Transpose::kYes, tb = op_b == Transpose::kYes;
  const long m = ta ? a.cols : a.rows, k = ta ? a.rows : a.cols;
  const long kb = tb ? b.cols : b.rows, n = tb ? b.rows : b.cols;
  if (k != kb || c.rows != m || c.cols != n)  // (the message is built only on failure)
    throw core::Error("nn::multiply: shapes " + std::to_string(m) + " x " + std::to_string(k) +
                      " times " + std::to_string(kb) + " x " + std::to_string(n) + " into " +
                      std::to_string(c.rows) + " x " + std::to_string(c.cols));
  if (k <= kMaxDepth && wide_flag().load(std::memory_order_relaxed)) {
    if (std::is_same<T, float>::value && m <= kFewRows && n >= kManyColumns && k > 0) {
      transposed_kernel_product<T>(a, ta, b, tb, c, accumulate, bias, relu, gate);
      return;
    }
    detail::GemmOperands<T> g;
    g.m = m;
    g.n = n;
    g.k = k;
    if (ta) {
      // The kernel reads A by columns: Aᵀ is copied first (m x k entries, small beside
      // the m x k x n products it feeds).
      thread_local MatrixOf<T> a_transposed;
      detail::transpose(a, &a_transposed);
      g.a = a_transposed.data();
      g.lda = m;
    } else {
      g.a = a.data;
      g.lda = a.ld;
    }
    g.b = b.data;
    g.b_row_step = tb ? b.ld : 1;  // B(kk, j) = b[kk * b_row_step + j * b_col_step]
    g.b_col_step = tb ? 1 : b.ld;
    g.c = c.data;
    g.ldc = c.ld;
    g.bias = bias;
    g.accumulate = accumulate;
    g.relu = relu;
    if (gate != nullptr) {
      g.gate = gate->data();
      g.ldgate = gate->rows();
    }
    detail::gemm_avx512(g);
    return;
  }
  if (gate != nullptr) {  // [C +] gate(A B): the product first, then gated and added
    MatrixOf<T> product(m, n);
    multiply_any<T>(a, op_a, b, op_b, mutable_view_of(product), false, nullptr);
    Eigen::Map<MatrixOf<T>, 0, Eigen::OuterStride<>> out(c.data, c.rows, c.cols,
                                                          Eigen::OuterStride<>(c.ld));
    if (accumulate)
      out.array() += (gate->array() > T(0)).select(product.array(), T(0));
    else
      out.array() = (gate->array() > T(0)).select(product.array(), T(0));
    return;
  }
  if (ta && tb) eigen_product<T>(eigen_map(a).transpose(), eigen_map(b).transpose(), c, accumulate);
  if (ta && !tb) eigen_product<T>(eigen_map(a).transpose(), eigen_map(b), c, accumulate);
  if (!ta && tb) eigen_product<T>(eigen_map(a), eigen_map(b).transpose(), c, accumulate);
  if (!ta && !tb) eigen_product<T>(eigen_map(a), eigen_map(b), c, accumulate);
  Eigen::Map<MatrixOf<T>, 0, Eigen::OuterStride<>> out(c.data, c.rows, c.cols,
                                                        Eigen::OuterStride<>(c.ld));
  if (bias != nullptr) out.colwise() += Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>(bias, m);
  if (relu) out = out.cwiseMax(T(0));
}

template <class T>
void affine_any(const MatrixOf<T>& w, const T* bias, const MatrixOf<T>& x, MatrixOf<T>* y) {
  y->resize(w.rows(), x.cols());
  multiply_any<T>(view_of(w), Transpose::kNo, view_of(x), Transpose::kNo, mutable_view_of(*y),
                  false, bias);
}

}  // namespace

void affine_relu(const MatrixOf<float>& w, const float* bias, const MatrixOf<float>& x,
                 MatrixOf<float>* y) {
  y->resize(w.rows(), x.cols());
  multiply_any<float>(view_of(w), Transpose::kNo, view_of(x), Transpose::kNo, mutable_view_of(*y),
                      false, bias, true);
}

void add_affine(const MatrixOf<float>& w, const float* bias, const MatrixOf<float>& x,
                MatrixOf<float>* y) {
  multiply_any<float>(view_of(w), Transpose::kNo, view_of(x), Transpose::kNo, mutable_view_of(*y),
                      true, bias);
}

void multiply(ConstMatrixView<double> a, Transpose op_a, ConstMatrixView<double> b,
              Transpose op_b, MatrixView<double> c, bool accumulate) {
  multiply_any<double>(a, op_a, b, op_b, c, accumulate, nullptr);
}

void multiply(ConstMatrixView<float> a, Transpose op_a, ConstMatrixView<float> b,
              Transpose op_b, MatrixView<float> c, bool accumulate) {
  multiply_any<float>(a, op_a, b, op_b, c, accumulate, nullptr);
}

void affine(const MatrixOf<double>& w, const double* bias, const MatrixOf<double>& x,
            MatrixOf<double>* y) {
  affine_any(w, bias, x, y);
}

void affine(const MatrixOf<float>& w, const float* bias, const MatrixOf<float>& x,
            MatrixOf<float>* y) {
  affine_any(w, bias, x, y);
}

void add_outer_products(const MatrixOf<double>& grad_y, const MatrixOf<double>& x,
                        MatrixOf<double>* grad_w) {
  multiply(view_of(grad_y), Transpose::kNo, view_of(x), Transpose::kYes,
           mutable_view_of(*grad_w), true);
}

void outer_products(const MatrixOf<float>& grad_y, const MatrixOf<float>& x,
                    MatrixOf<float>* grad_w) {
  grad_w->resize(grad_y.rows(), x.rows());
  multiply(view_of(grad_y), Transpose::kNo, view_of(x), Transpose::kYes,
           mutable_view_of(*grad_w), false);
}

namespace {
template <class T>
void transposed_product_any(const MatrixOf<T>& w, const MatrixOf<T>& grad_y,
                            MatrixOf<T>* grad_x) {
  grad_x->resize(w.cols(), grad_y.cols());
  multiply(view_of(w), Transpose::kYes, view_of(grad_y), Transpose::kNo, mutable_view_of(*grad_x),
           false);
}
}  // namespace

void transposed_product(const MatrixOf<double>& w, const MatrixOf<double>& grad_y,
                        MatrixOf<double>* grad_x) {
  transposed_product_any(w, grad_y, grad_x);
}

void transposed_product(const MatrixOf<float>& w, const MatrixOf<float>& grad_y,
                        MatrixOf<float>* grad_x) {
  transposed_product_any(w, grad_y, grad_x);
}

void gated_transposed_product(const MatrixOf<float>& w, const MatrixOf<float>& grad_y,
                              const MatrixOf<float>& gate, MatrixOf<float>* grad_x,
                              bool accumulate) {
  const long rows = w.cols(), cols = grad_y.cols();
  if (gate.rows() != rows || gate.cols() != cols || (accumulate && (grad_x->rows() != rows ||
                                                                     grad_x->cols() != cols)))
    throw core::Error("nn::gated_transposed_product: a gate or gradient of another shape than " +
                      std::to_string(rows) + " x " + std::to_string(cols));
  if (!accumulate) grad_x->resize(rows, cols);
  multiply_any<float>(view_of(w), Transpose::kYes, view_of(grad_y), Transpose::kNo,
                      mutable_view_of(*grad_x), accumulate, nullptr, false, &gate);
}

bool wide_gemm_enabled() { return wide_flag().load(); }

void set_wide_gemm_enabled(bool enabled) {
  wide_flag().store(enabled && core::cpu_has_avx512());
}

}  // namespace sbi::nn
