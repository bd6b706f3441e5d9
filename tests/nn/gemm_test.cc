// The dense layers' products (nn/gemm.h) against Eigen's, on shapes that exercise every
// block of the AVX-512 kernel: row counts off the register width (masked last register),
// column counts off the block of 6, empty and one-deep sums, strided (transposed) B.
// Where the CPU lacks AVX-512 both sides are Eigen and the comparisons hold trivially.
#include "nn/gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "nn/detail/gemm_avx512.h"
#include "nn/detail/transpose.h"

namespace sbi::nn {
namespace {

template <class T>
MatrixOf<T> random_matrix(long rows, long cols, unsigned seed) {
  std::srand(seed);
  return MatrixOf<T>::Random(rows, cols);
}

// Restores the kernel switch whatever a test does.
class GemmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = wide_gemm_enabled();
    if (!core::cpu_has_avx512())
      std::printf("note: this CPU has no AVX-512; only the Eigen path runs\n");
  }
  void TearDown() override { set_wide_gemm_enabled(saved_); }

 private:
  bool saved_ = false;
};

// |a - b| <= tol (|a| + 1) entrywise, with the same shape.
template <class T>
void expect_close(const MatrixOf<T>& a, const MatrixOf<T>& b, double tol, const char* what) {
  ASSERT_EQ(a.rows(), b.rows()) << what;
  ASSERT_EQ(a.cols(), b.cols()) << what;
  for (long j = 0; j < a.cols(); ++j)
    for (long i = 0; i < a.rows(); ++i)
      ASSERT_NEAR(a(i, j), b(i, j), tol * (std::abs(static_cast<double>(b(i, j))) + 1.0))
          << what << " at (" << i << ", " << j << ")";
}

const std::vector<long> kRows = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 100, 130};
const std::vector<long> kCols = {0, 1, 5, 6, 7, 12, 13, 192};
const std::vector<long> kDepths = {0, 1, 3, 64, 129};

template <class T>
void check_affine(double tol) {
  unsigned seed = 1;
  for (long m : kRows)
    for (long n : kCols)
      for (long k : kDepths) {
        const MatrixOf<T> w = random_matrix<T>(m, k, ++seed);
        const MatrixOf<T> x = random_matrix<T>(k, n, ++seed);
        const MatrixOf<T> b = random_matrix<T>(m, 1, ++seed);
        MatrixOf<T> expected = w * x;
        expected.colwise() += b.col(0);
        MatrixOf<T> with_bias(3, 3), without_bias;  // a wrong shape first: affine resizes
        affine(w, b.data(), x, &with_bias);
        affine(w, nullptr, x, &without_bias);
        expect_close<T>(with_bias, expected, tol, "W x + b");
        expected.colwise() -= b.col(0);
        expect_close<T>(without_bias, expected, tol, "W x");
      }
}

TEST_F(GemmTest, AffineMatchesEigenInDoubleAndFloat) {
  set_wide_gemm_enabled(true);
  check_affine<double>(1e-13);
  check_affine<float>(2e-5);
}

TEST_F(GemmTest, FusedReluAndResidualStepsMatchTheirDefinitions) {
  for (bool wide : {true, false}) {
    set_wide_gemm_enabled(wide);
    unsigned seed = 300;
    for (long m : {3L, 16L, 64L, 70L})
      for (long n : {1L, 7L, 192L}) {
        const MatrixOf<float> w = random_matrix<float>(m, 64, ++seed);
        const MatrixOf<float> x = random_matrix<float>(64, n, ++seed);
        const MatrixOf<float> b = random_matrix<float>(m, 1, ++seed);
        const MatrixOf<float> start = random_matrix<float>(m, n, ++seed);
        MatrixOf<float> pre = w * x;
        pre.colwise() += b.col(0);
        MatrixOf<float> relu, sum = start;
        affine_relu(w, b.data(), x, &relu);
        add_affine(w, b.data(), x, &sum);
        expect_close<float>(relu, pre.cwiseMax(0.0f), 2e-5, "max(0, W x + b)");
        expect_close<float>(sum, start + pre, 2e-5, "y + W x + b");
        // About half the entries are clipped: the test sees both sides of the ReLU.
        EXPECT_GT((relu.array() == 0.0f).count(), relu.size() / 4);
      }
  }
}

TEST_F(GemmTest, NaNInTheInputReachesTheOutputThroughTheFusedRelu) {
  // A NaN must not be clipped to 0 on its way through (the caller's checks would miss it).
  for (bool wide : {true, false}) {
    set_wide_gemm_enabled(wide);
    const MatrixOf<float> w = random_matrix<float>(64, 64, 11);
    const MatrixOf<float> b = random_matrix<float>(64, 1, 12);
    MatrixOf<float> x = random_matrix<float>(64, 13, 13);
    x(5, 7) = std::numeric_limits<float>::quiet_NaN();
    MatrixOf<float> y, sum = MatrixOf<float>::Zero(64, 13);
    affine_relu(w, b.data(), x, &y);
    add_affine(w, b.data(), x, &sum);
    for (long i = 0; i < 64; ++i) {
      EXPECT_TRUE(std::isnan(y(i, 7))) << "row " << i << (wide ? " (kernel)" : " (Eigen)");
      EXPECT_TRUE(std::isnan(sum(i, 7))) << "row " << i;
      EXPECT_FALSE(std::isnan(y(i, 6)));
    }
  }
}

// The ReLU backward fused into Wᵀ dY: exactly the plain product gated by the ReLU's output
// (a NaN gate blocks, as Eigen's (gate > 0).select does), and exactly the plain sum when it
// accumulates; on both paths, with masked rows and odd column counts.
TEST_F(GemmTest, GatedTransposedProductIsTheReluBackwardOfThePlainOne) {
  for (bool wide : {true, false}) {
    set_wide_gemm_enabled(wide);
    unsigned seed = 500;
    for (long out : {2L, 64L, 70L})
      for (long in : {3L, 17L, 64L})
        for (long n : {1L, 7L, 130L}) {
          const MatrixOf<float> w = random_matrix<float>(out, in, ++seed);
          const MatrixOf<float> grad_y = random_matrix<float>(out, n, ++seed);
          MatrixOf<float> gate = random_matrix<float>(in, n, ++seed);
          gate(0, 0) = std::numeric_limits<float>::quiet_NaN();
          const MatrixOf<float> start = random_matrix<float>(in, n, ++seed);
          MatrixOf<float> plain, gated(1, 1), sum = start;
          transposed_product(w, grad_y, &plain);
          gated_transposed_product(w, grad_y, gate, &gated, false);
          gated_transposed_product(w, grad_y, gate, &sum, true);
          const MatrixOf<float> expected = (gate.array() > 0.0f).select(plain, 0.0f);
          ASSERT_EQ(gated, expected) << out << " x " << in << ", " << n << " columns";
          ASSERT_EQ(sum, MatrixOf<float>(start + expected));
          EXPECT_EQ(gated(0, 0), 0.0f);
          EXPECT_GT((gated.array() != 0.0f).count(), gated.size() / 4);
        }
    MatrixOf<float> wrong(2, 2);
    EXPECT_THROW(gated_transposed_product(MatrixOf<float>::Ones(3, 2), MatrixOf<float>::Ones(3, 4),
                                          MatrixOf<float>::Ones(2, 4), &wrong, true),
                 core::Error);
  }
}

TEST_F(GemmTest, OuterProductsAccumulateIntoTheGradient) {
  set_wide_gemm_enabled(true);
  unsigned seed = 100;
  for (long out : kRows)
    for (long in : {1L, 3L, 6L, 64L, 67L})
      for (long batch : kDepths) {
        const MatrixOf<double> grad_y = random_matrix<double>(out, batch, ++seed);
        const MatrixOf<double> x = random_matrix<double>(in, batch, ++seed);
        const MatrixOf<double> start = random_matrix<double>(out, in, ++seed);
        MatrixOf<double> grad_w = start;
        add_outer_products(grad_y, x, &grad_w);
        const MatrixOf<double> expected = start + grad_y * x.transpose();
        expect_close<double>(grad_w, expected, 1e-13, "G + dY Xᵀ");
      }
}

template <class T>
void check_transposed_product(double tol) {
  unsigned seed = 200;
  for (long out : {1L, 2L, 8L, 17L, 64L})
    for (long in : kRows)
      for (long batch : kCols) {
        const MatrixOf<T> w = random_matrix<T>(out, in, ++seed);
        const MatrixOf<T> grad_y = random_matrix<T>(out, batch, ++seed);
        MatrixOf<T> grad_x;
        transposed_product(w, grad_y, &grad_x);
        const MatrixOf<T> expected = w.transpose() * grad_y;
        expect_close<T>(grad_x, expected, tol, "Wᵀ dY");
      }
}

TEST_F(GemmTest, TransposedProductIsTheInputGradient) {
  set_wide_gemm_enabled(true);
  check_transposed_product<double>(1e-13);
  check_transposed_product<float>(1e-5);
}

// The copy Aᵀ the kernel's transposed products read (register blocks and scalar edges),
// bit for bit, also from a block of a larger matrix (leading dimension above the rows).
template <class T>
void check_transpose() {
  unsigned seed = 300;
  for (long rows : kRows)
    for (long cols : {1L, 3L, 4L, 8L, 9L, 16L, 17L, 64L, 70L}) {
      const MatrixOf<T> big = random_matrix<T>(rows + 5, cols, ++seed);
      const ConstMatrixView<T> block{big.data() + 2, rows, cols, big.rows()};
      MatrixOf<T> out(1, 1);
      detail::transpose(block, &out);
      ASSERT_EQ(out, MatrixOf<T>(big.middleRows(2, rows).transpose())) << rows << " x " << cols;
    }
}

TEST_F(GemmTest, TransposeCopiesExactlyForEveryShape) {
  check_transpose<float>();
  check_transpose<double>();
}

TEST_F(GemmTest, OuterProductsInFloatOverwriteTheGradient) {
  set_wide_gemm_enabled(true);
  const MatrixOf<float> grad_y = random_matrix<float>(17, 70, 401), x = random_matrix<float>(9, 70, 402);
  MatrixOf<float> grad_w = MatrixOf<float>::Constant(2, 2, 7.0f);  // wrong shape and values
  outer_products(grad_y, x, &grad_w);
  expect_close<float>(grad_w, MatrixOf<float>(grad_y * x.transpose()), 1e-5, "dY Xᵀ");
}

TEST_F(GemmTest, BothPathsAgreeAndTheSwitchIsHonoured) {
  const MatrixOf<double> w = random_matrix<double>(64, 64, 7);
  const MatrixOf<double> x = random_matrix<double>(64, 100, 8);
  const MatrixOf<double> b = random_matrix<double>(64, 1, 9);
  MatrixOf<double> wide, portable;
  set_wide_gemm_enabled(true);
  EXPECT_EQ(wide_gemm_enabled(), core::cpu_has_avx512());
  affine(w, b.data(), x, &wide);
  set_wide_gemm_enabled(false);
  EXPECT_FALSE(wide_gemm_enabled());
  affine(w, b.data(), x, &portable);
  expect_close<double>(wide, portable, 1e-13, "kernel vs Eigen");
}

}  // namespace
}  // namespace sbi::nn
