// 2-D convolution and pooling: the convolution, by im2col and by Winograd's F(2x2, 3x3),
// against the definition written as a direct loop (random sizes, paddings, kernels and
// batches), translation
// equivariance, pooling on hand-computed planes, and gradients of convolution and pooling
// against six-point finite differences.
#include "nn/conv2d.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/error.h"
#include "nn/gradient_check.h"
#include "nn/pooling.h"

namespace sbi::nn {
namespace {

Matrix random_matrix(Eigen::Index rows, Eigen::Index cols, core::Rng* rng) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng->normal();
  return m;
}

// Pixel (c, y, x) of image n in the toolkit's layout: one image per column, C order.
double& pixel(Matrix& images, const ImageShape& s, Eigen::Index n, int c, int y, int x) {
  return images(static_cast<Eigen::Index>(c) * s.pixels() + y * s.width + x, n);
}

// The definition, y[o,i,j] = b[o] + Σ W[o,c,u,v] x[c, i+u-p, j+v-p], on images in the
// one-per-column layout, W read as PyTorch's (C_out, C_in, k, k) row-major array.
Matrix reference_conv(const Matrix& x, const ImageShape& in, const Matrix& weight, const Matrix& bias, int k,
                      int p) {
  const ImageShape out{static_cast<int>(weight.rows()), in.height + 2 * p - k + 1, in.width + 2 * p - k + 1};
  Matrix y(out.flat_dim(), x.cols());
  Matrix xs = x;
  for (Eigen::Index n = 0; n < x.cols(); ++n)
    for (int o = 0; o < out.channels; ++o)
      for (int i = 0; i < out.height; ++i)
        for (int j = 0; j < out.width; ++j) {
          double sum = bias(o, 0);
          for (int c = 0; c < in.channels; ++c)
            for (int u = 0; u < k; ++u)
              for (int v = 0; v < k; ++v) {
                const int r = i + u - p, s = j + v - p;
                if (r >= 0 && r < in.height && s >= 0 && s < in.width)
                  sum += weight(o, (c * k + u) * k + v) * pixel(xs, in, n, c, r, s);
              }
          pixel(y, out, n, o, i, j) = sum;
        }
  return y;
}

// The algorithms that can run a k x k kernel.
std::vector<ConvAlgorithm> algorithms_for(int k) {
  if (k == 3) return {ConvAlgorithm::kIm2col, ConvAlgorithm::kWinograd};
  return {ConvAlgorithm::kIm2col};
}

const char* name(ConvAlgorithm a) { return a == ConvAlgorithm::kWinograd ? "winograd" : "im2col"; }

TEST(Conv2d, AutoPicksWinogradFor3x3OnManyChannelsAndIm2colOtherwise) {
  EXPECT_EQ(Conv2d(ImageShape{8, 8, 8}, 4, 3, 1).algorithm(), ConvAlgorithm::kWinograd);
  EXPECT_EQ(Conv2d(ImageShape{2, 8, 8}, 4, 3, 1).algorithm(), ConvAlgorithm::kIm2col);
  EXPECT_EQ(Conv2d(ImageShape{8, 8, 8}, 4, 5, 2).algorithm(), ConvAlgorithm::kIm2col);
  EXPECT_THROW(Conv2d(ImageShape{2, 8, 8}, 4, 5, 2, ConvAlgorithm::kWinograd), core::Error);
  // Filters prepared by another layer (here: none) are refused.
  Conv2d conv(ImageShape{8, 8, 8}, 4, 3, 1);
  Matrix y;
  Conv2dScratch scratch;
  EXPECT_THROW(conv.forward(Matrix::Zero(conv.in_dim(), 1), Conv2dFilters{}, &y, &scratch), core::Error);
}

TEST(Conv2d, MatchesTheDirectSumForRandomSizes) {
  core::Rng rng(2024);
  int checked[2] = {0, 0};  // im2col, Winograd
  for (int trial = 0; trial < 60; ++trial) {
    const ImageShape in{1 + static_cast<int>(rng.below(4)), 1 + static_cast<int>(rng.below(9)),
                        1 + static_cast<int>(rng.below(9))};
    const int c_out = 1 + static_cast<int>(rng.below(5));
    const int k = 1 + static_cast<int>(rng.below(5));
    const int p = static_cast<int>(rng.below(k));
    if (in.height + 2 * p < k || in.width + 2 * p < k) continue;  // no output pixel
    for (ConvAlgorithm algorithm : algorithms_for(k)) {
      Conv2d conv(in, c_out, k, p, algorithm);
      conv.initialize(Init::kPyTorch, &rng);
      for (int batch : {0, 1, 3}) {
        const Matrix x = random_matrix(in.flat_dim(), batch, &rng);
        Matrix y;
        Conv2dFilters filters;
        Conv2dScratch scratch;
        conv.prepare(&filters);
        conv.forward(x, filters, &y, &scratch);
        const Matrix want = reference_conv(x, in, conv.weight(), conv.bias(), k, p);
        ASSERT_EQ(y.rows(), want.rows());
        ASSERT_EQ(y.cols(), batch);
        // Sums of at most 4 * 25 products of O(1) numbers: rounding ~1e-15.
        if (batch > 0) {
          EXPECT_LT((y - want).cwiseAbs().maxCoeff(), 1e-12)
              << name(algorithm) << " " << in.describe() << " -> " << c_out << ", k " << k << ", p " << p
              << ", batch " << batch;
        }
      }
      ++checked[algorithm == ConvAlgorithm::kWinograd];
    }
  }
  EXPECT_GT(checked[0], 40);  // most random draws give an output
  EXPECT_GT(checked[1], 8);   // about a fifth of them have k = 3
}

TEST(Conv2d, SamePaddingKeepsTheSizeAndValidShrinksIt) {
  const ImageShape in{2, 7, 9};
  EXPECT_EQ(Conv2d(in, 4, 3, 1).out_shape(), (ImageShape{4, 7, 9}));
  EXPECT_EQ(Conv2d(in, 4, 5, 2).out_shape(), (ImageShape{4, 7, 9}));
  EXPECT_EQ(Conv2d(in, 4, 5, 0).out_shape(), (ImageShape{4, 3, 5}));
  EXPECT_THROW(Conv2d(in, 4, 9, 0), core::Error);  // kernel larger than the image
  EXPECT_THROW(Conv2d(in, 4, 3, 3), core::Error);  // padding >= kernel
}

TEST(Conv2d, WrongInputSizeThrows) {
  Conv2d conv(ImageShape{2, 6, 6}, 3, 3, 1);
  Matrix y;
  Conv2dFilters filters;
  Conv2dScratch scratch;
  conv.prepare(&filters);
  try {
    conv.forward(Matrix::Zero(35, 2), filters, &y, &scratch);
    FAIL() << "no exception";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("Conv2d::forward: x has 35 rows, expected 72"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("2 x 6 x 6 (channels x height x width)"), std::string::npos)
        << e.what();
  }
}

// Shifting the input by (dy, dx) shifts the output by (dy, dx) wherever the receptive
// fields of both output pixels lie inside the image (no zero padding involved).
TEST(Conv2d, IsTranslationEquivariantAwayFromTheBorders) {
  const ImageShape in{2, 12, 11};
  for (auto [k, algorithm] : {std::pair{3, ConvAlgorithm::kIm2col}, std::pair{3, ConvAlgorithm::kWinograd},
                              std::pair{5, ConvAlgorithm::kIm2col}}) {
    const int p = (k - 1) / 2;
    core::Rng rng(7, k);
    Conv2d conv(in, 3, k, p, algorithm);
    conv.initialize(Init::kPyTorch, &rng);
    const Matrix x = random_matrix(in.flat_dim(), 1, &rng);
    for (auto [dy, dx] : {std::pair{1, 2}, std::pair{-2, 1}, std::pair{3, -3}}) {
      Matrix shifted = Matrix::Zero(in.flat_dim(), 1), xs = x;
      for (int c = 0; c < in.channels; ++c)
        for (int r = 0; r < in.height; ++r)
          for (int s = 0; s < in.width; ++s)
            if (r + dy >= 0 && r + dy < in.height && s + dx >= 0 && s + dx < in.width)
              pixel(shifted, in, 0, c, r + dy, s + dx) = pixel(xs, in, 0, c, r, s);
      Matrix y, y_shifted;
      Conv2dFilters filters;
      Conv2dScratch scratch;
      conv.prepare(&filters);
      conv.forward(x, filters, &y, &scratch);
      conv.forward(shifted, filters, &y_shifted, &scratch);
      Matrix& a = y;
      Matrix& b = y_shifted;
      const ImageShape out = conv.out_shape();
      auto inside = [&](int i, int j) {
        return i - p >= 0 && i + p < in.height && j - p >= 0 && j + p < in.width;
      };
      int compared = 0;
      double max_error = 0, max_change = 0;
      for (int o = 0; o < out.channels; ++o)
        for (int i = 0; i < out.height; ++i)
          for (int j = 0; j < out.width; ++j) {
            if (!inside(i, j) || !inside(i + dy, j + dx)) continue;
            max_error = std::max(max_error,
                                 std::abs(pixel(b, out, 0, o, i + dy, j + dx) - pixel(a, out, 0, o, i, j)));
            max_change =
                std::max(max_change, std::abs(pixel(b, out, 0, o, i, j) - pixel(a, out, 0, o, i, j)));
            ++compared;
          }
      EXPECT_GT(compared, 30);
      // The same sums, each within one tile position or another: rounding only.
      EXPECT_LT(max_error, 1e-13) << name(algorithm) << " k " << k << " shift " << dy << ", " << dx;
      EXPECT_GT(max_change, 0.1);  // the unshifted comparison does differ: the check is not vacuous
    }
  }
}

// L = Σ w .* f(x) for a fixed random w, so dL/d(output) = w.
TEST(Conv2d, GradientsMatchFiniteDifferences) {
  struct Case {
    int k, p;
    ConvAlgorithm algorithm;
  };
  for (auto [k, p, algorithm] : {Case{3, 1, ConvAlgorithm::kIm2col}, Case{3, 1, ConvAlgorithm::kWinograd},
                                 Case{3, 0, ConvAlgorithm::kWinograd}, Case{3, 2, ConvAlgorithm::kWinograd},
                                 Case{5, 2, ConvAlgorithm::kIm2col}, Case{2, 1, ConvAlgorithm::kIm2col}}) {
    const ImageShape in{2, 5, 6};  // odd height: Winograd's last tile row is half outside
    core::Rng rng(11, k * 10 + p);
    Conv2d conv(in, 3, k, p, algorithm);
    conv.initialize(Init::kPyTorch, &rng);
    const int batch = 3;
    const Matrix x = random_matrix(in.flat_dim(), batch, &rng);
    const Matrix w = random_matrix(conv.out_dim(), batch, &rng);
    Matrix y, grad_x;
    Conv2dFilters filters;
    Conv2dScratch scratch;
    auto loss = [&](const Matrix& input) {
      Matrix out;
      Conv2dFilters f;  // the weights may have moved
      Conv2dScratch s;
      conv.prepare(&f);
      conv.forward(input, f, &out, &s);
      return (out.array() * w.array()).sum();
    };
    Parameters params = conv.parameters();
    zero_grad(params);
    conv.prepare(&filters);
    conv.forward(x, filters, &y, &scratch);
    conv.backward(x, w, filters, &grad_x, &scratch);
    const Vector theta0 = flatten_values(params);
    GradientCheckResult r = check_gradient(
        [&](const Vector& v) {
          unflatten_values(v, params);
          return loss(x);
        },
        theta0, flatten_grads(params));
    unflatten_values(theta0, params);
    EXPECT_TRUE(r.ok) << name(algorithm) << " k " << k << " p " << p << " params: " << r.message;
    EXPECT_LT(r.max_rel_error, 1e-8);  // L is linear in W and b: only rounding remains
    r = check_gradient(
        [&](const Vector& v) { return loss(Eigen::Map<const Matrix>(v.data(), x.rows(), x.cols())); },
        Eigen::Map<const Vector>(x.data(), x.size()), Eigen::Map<const Vector>(grad_x.data(), grad_x.size()));
    EXPECT_TRUE(r.ok) << name(algorithm) << " k " << k << " p " << p << " input: " << r.message;
    EXPECT_LT(r.max_rel_error, 1e-8);
  }
}

// The float passes compute what the double ones do, to float's rounding: outputs, input
// gradients and the weight gradients (summed in float over the call's images, then added
// into the double buffers on top of what they held), for both algorithms and odd sizes.
TEST(Conv2d, FloatPassesAgreeWithDoubleToFloatRounding) {
  core::Rng rng(41, 0);
  struct Case {
    ImageShape in;
    int c_out, k, p;
  };
  for (const Case& cs : {Case{{1, 9, 7}, 4, 3, 1}, Case{{8, 12, 12}, 16, 3, 1}, Case{{9, 7, 11}, 5, 3, 1},
                         Case{{3, 10, 8}, 6, 5, 2}, Case{{10, 6, 6}, 4, 3, 0}}) {
    for (ConvAlgorithm algorithm : algorithms_for(cs.k)) {
      Conv2d conv(cs.in, cs.c_out, cs.k, cs.p, algorithm);
      conv.initialize(Init::kPyTorch, &rng);
      const Matrix x = random_matrix(cs.in.flat_dim(), 3, &rng);
      const Matrix grad_y = random_matrix(conv.out_dim(), 3, &rng);
      const std::string where = std::string(name(algorithm)) + " " + cs.in.describe() + " -> " +
                                std::to_string(cs.c_out) + ", k " + std::to_string(cs.k);
      // Double.
      Conv2dFilters filters;
      conv.prepare(&filters);
      Conv2dScratch scratch;
      Matrix y, grad_x;
      conv.forward(x, filters, &y, &scratch);
      const Parameters params = conv.parameters();
      for (const Parameter& p : params) p.grad->setConstant(0.5);
      conv.backward(x, grad_y, filters, &grad_x, &scratch);
      const Matrix grad_w = *params[0].grad, grad_b = *params[1].grad;
      // Float, from the same starting buffers.
      Conv2dFilters filters_f;
      conv.prepare(&filters_f, Precision::kFloat32);
      Conv2dScratchF scratch_f;
      MatrixF xf, gyf, yf, grad_xf;
      round_to_float(x, &xf);
      round_to_float(grad_y, &gyf);
      conv.forward(xf, filters_f, &yf, &scratch_f);
      for (const Parameter& p : params) p.grad->setConstant(0.5);
      conv.backward(xf, gyf, filters_f, &grad_xf, &scratch_f);
      // Sums of up to 10 * 25 products of O(1) numbers: float's rounding ~1e-6 relative.
      auto close = [](const Matrix& got, const Matrix& want) {
        return (got - want).cwiseAbs().maxCoeff() <= 2e-5 * std::max(1.0, want.cwiseAbs().maxCoeff());
      };
      EXPECT_TRUE(close(yf.cast<double>(), y)) << where;
      EXPECT_TRUE(close(grad_xf.cast<double>(), grad_x)) << where;
      EXPECT_TRUE(close(*params[0].grad, grad_w)) << where;
      EXPECT_TRUE(close(*params[1].grad, grad_b)) << where;
      EXPECT_GT((yf.cast<double>() - y).cwiseAbs().maxCoeff(), 0.0) << where;  // really in float
      // Without param_grads the buffers are left alone.
      for (const Parameter& p : params) p.grad->setConstant(0.5);
      conv.backward(xf, gyf, filters_f, &grad_xf, &scratch_f, false);
      EXPECT_TRUE((params[0].grad->array() == 0.5).all()) << where;
      // Double filters do not serve a float pass.
      EXPECT_THROW(conv.forward(xf, filters, &yf, &scratch_f), core::Error);
    }
  }
}

TEST(Pooling, AverageAndMaxOnAHandComputedPlane) {
  // Two images of one 5 x 5 plane, holding 0..24 and -(0..24) row by row: the odd last row
  // and column are dropped.
  Matrix x(25, 2);
  for (int i = 0; i < 25; ++i) x(i, 0) = i;
  for (int i = 0; i < 25; ++i) x(i, 1) = -i;
  const ImageShape s{1, 5, 5};
  Matrix y;
  pool_2x2(ImagePooling::kAverage, x, s, &y);
  ASSERT_EQ(y.rows(), 4);
  ASSERT_EQ(y.cols(), 2);
  // (0 + 1 + 5 + 6) / 4 = 3, (2 + 3 + 7 + 8) / 4 = 5, (10 + 11 + 15 + 16) / 4 = 13, 15.
  EXPECT_EQ(y, (Matrix(4, 2) << 3, -3, 5, -5, 13, -13, 15, -15).finished());
  pool_2x2(ImagePooling::kMax, x, s, &y);
  EXPECT_EQ(y, (Matrix(4, 2) << 6, 0, 8, -2, 16, -10, 18, -12).finished());
  // The gradient of max pooling lands on the winners only, of average pooling on all four.
  Matrix g = Matrix::Ones(4, 2), gx;
  pool_2x2_backward(ImagePooling::kMax, x, s, g, &gx);
  EXPECT_EQ(gx.sum(), 8);
  EXPECT_EQ(gx(6, 0), 1);
  EXPECT_EQ(gx(0, 1), 1);
  EXPECT_EQ(gx(24, 0), 0);  // dropped row and column
  pool_2x2_backward(ImagePooling::kAverage, x, s, g, &gx);
  EXPECT_EQ(gx.sum(), 8);
  EXPECT_EQ(gx(0, 0), 0.25);
  EXPECT_EQ(gx(4, 0), 0);  // dropped column
  global_average_pool(x, s, &y);
  EXPECT_EQ(y, (Matrix(1, 2) << 12, -12).finished());
  EXPECT_THROW(pool_2x2(ImagePooling::kAverage, Matrix::Zero(24, 1), s, &y), core::Error);
}

// The smallest difference between the largest and the second largest entry of a 2 x 2
// pooling window.
double smallest_top_two_gap(const Matrix& images, const ImageShape& s) {
  double gap = 1e300;
  for (Eigen::Index q = 0; q < images.size() / s.pixels(); ++q)  // every plane
    for (int i = 0; i + 1 < s.height; i += 2)
      for (int j = 0; j + 1 < s.width; j += 2) {
        const double* top = images.data() + q * s.pixels() + i * s.width + j;
        double v[4] = {top[0], top[1], top[s.width], top[s.width + 1]};
        std::sort(v, v + 4);
        gap = std::min(gap, v[3] - v[2]);
      }
  return gap;
}

TEST(Pooling, GradientsMatchFiniteDifferences) {
  const ImageShape s{3, 5, 6};
  core::Rng rng(5);
  const int batch = 2;
  const Matrix x = random_matrix(s.flat_dim(), batch, &rng);
  const Vector x0 = Eigen::Map<const Vector>(x.data(), x.size());
  auto as_images = [&](const Vector& v) {
    return Matrix(Eigen::Map<const Matrix>(v.data(), x.rows(), x.cols()));
  };
  for (ImagePooling pooling : {ImagePooling::kAverage, ImagePooling::kMax}) {
    const Matrix w = random_matrix(pooled_shape(s).flat_dim(), batch, &rng);
    Matrix grad_x;
    pool_2x2_backward(pooling, x, s, w, &grad_x);
    // Average pooling is linear: step 1e-3 leaves only rounding. Max pooling is piecewise
    // linear: the stencil (±3e-5 at step 1e-5) must not reorder a window.
    const double step = pooling == ImagePooling::kMax ? 1e-5 : 1e-3;
    if (pooling == ImagePooling::kMax) {
      EXPECT_GT(smallest_top_two_gap(x, s), 1e-4);
    }
    const GradientCheckResult r = check_gradient(
        [&](const Vector& v) {
          Matrix y;
          pool_2x2(pooling, as_images(v), s, &y);
          return (y.array() * w.array()).sum();
        },
        x0, Eigen::Map<const Vector>(grad_x.data(), grad_x.size()), 1e-6, step);
    EXPECT_TRUE(r.ok) << image_pooling_name(pooling) << ": " << r.message;
  }
  const Matrix w = random_matrix(3, batch, &rng);
  Matrix grad_x;
  global_average_pool_backward(s, w, &grad_x);
  const GradientCheckResult r = check_gradient(
      [&](const Vector& v) {
        Matrix y;
        global_average_pool(as_images(v), s, &y);
        return (y.array() * w.array()).sum();
      },
      x0, Eigen::Map<const Vector>(grad_x.data(), grad_x.size()));
  EXPECT_TRUE(r.ok) << "global average: " << r.message;
}

TEST(Pooling, NamesRoundTrip) {
  for (const std::string& name : image_pooling_names())
    EXPECT_EQ(image_pooling_name(parse_image_pooling(name)), name);
  EXPECT_THROW(parse_image_pooling("median"), core::Error);
}

}  // namespace
}  // namespace sbi::nn
