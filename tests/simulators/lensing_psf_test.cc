// PSF kernels (Gaussian and from an image) and the three convolution methods, against a
// point source (the convolution of a delta is the kernel) and each other.
#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.h"
#include "simulators/lensing/convolution.h"
#include "simulators/lensing/psf.h"
#include "tests/simulators/error_message.h"

namespace sbi::simulators::lensing {
namespace {

using testing::error_message;

// A lopsided 5 x 5 kernel (no symmetry, so that a flipped or transposed convolution fails).
Eigen::MatrixXd lopsided_kernel() {
  Eigen::MatrixXd k(5, 5);
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) k(i, j) = 1 + i + 3 * j + (i == 1 && j == 3 ? 20 : 0);
  return k;
}

Eigen::VectorXd random_image(int npix, std::uint64_t seed) {
  core::Rng rng(seed);
  Eigen::VectorXd image(npix * npix);
  for (int p = 0; p < image.size(); ++p) image[p] = rng.uniform();
  return image;
}

TEST(LensPsf, GaussianKernelSumsToOneWithTheRequestedWidth) {
  for (double fwhm : {0.05, 0.15, 0.6}) {
    const Psf psf = Psf::gaussian(fwhm, 0.1, 21);
    const Eigen::MatrixXd& k = psf.kernel();
    ASSERT_EQ(k.rows(), 21);
    ASSERT_EQ(k.cols(), 21);
    // (Σ p)² with Σ p = 1 to 21 roundings: 1e-14.
    EXPECT_NEAR(k.sum(), 1.0, 1e-14) << fwhm;
    EXPECT_GE(k.minCoeff(), 0.0);
    EXPECT_EQ(k, k.transpose());
    EXPECT_EQ(k, k.reverse());
    // Neighbouring samples one pixel apart: exp(-Δ² / (2σ²)), σ = FWHM / (2 sqrt(2 ln 2)).
    const double sigma = fwhm / (2 * std::sqrt(2 * std::log(2.0))) / 0.1;
    EXPECT_NEAR(k(10, 11) / k(10, 10), std::exp(-0.5 / (sigma * sigma)), 1e-14);
    EXPECT_NEAR(k(12, 13) / k(10, 10), std::exp(-(4.0 + 9.0) / (2 * sigma * sigma)), 1e-14);
    EXPECT_LT((psf.separable_profile() * psf.separable_profile().transpose() - k).norm(), 1e-16);
  }
  // At FWHM = 0.6 arcsec = 6 pixels the profile falls to half at ±3 pixels.
  const Eigen::VectorXd p = Psf::gaussian(0.6, 0.1, 21).separable_profile();
  EXPECT_NEAR(p[13] / p[10], 0.5, 1e-14);
}

TEST(LensPsf, ImageKernelIsCheckedAndNormalised) {
  const Psf psf = Psf::from_image(3 * lopsided_kernel());
  EXPECT_NEAR(psf.kernel().sum(), 1.0, 1e-15);
  EXPECT_LT((psf.kernel() - lopsided_kernel() / lopsided_kernel().sum()).norm(), 1e-16);
  EXPECT_EQ(psf.separable_profile().size(), 0);

  EXPECT_NE(error_message([] {
              Psf::from_image(Eigen::MatrixXd::Ones(4, 4));
            }).find("Psf: the PSF image is 4 x 4, must be square with an odd side"),
            std::string::npos);
  EXPECT_NE(error_message([] { Psf::from_image(Eigen::MatrixXd::Ones(5, 3)); }).find("is 5 x 3"),
            std::string::npos);
  Eigen::MatrixXd bad = lopsided_kernel();
  bad(2, 4) = NAN;
  EXPECT_NE(error_message([&] {
              Psf::from_image(bad);
            }).find("Psf: the PSF image has a non-finite value at row 2, column 4"),
            std::string::npos);
  bad(2, 4) = -0.5;
  EXPECT_NE(error_message([&] {
              Psf::from_image(bad);
            }).find("has a negative value (-0.5) at row 2, column 4"),
            std::string::npos);
  EXPECT_NE(error_message([] {
              Psf::from_image(Eigen::MatrixXd::Zero(3, 3));
            }).find("the PSF image sums to 0, must have a positive finite sum"),
            std::string::npos);
  EXPECT_NE(error_message([] { Psf::gaussian(0.1, 0.1, 20); }).find("size = 20, must be odd"),
            std::string::npos);
  EXPECT_NE(error_message([] { Psf::gaussian(-1, 0.1, 21); }).find("fwhm = -1"), std::string::npos);
}

TEST(LensConvolution, APointSourceBecomesTheKernel) {
  // out(r, c) = Σ K(h + dy, h + dx) in(r - dy, c - dx): a unit point at (r0, c0) spreads to
  // out(r0 + dy, c0 + dx) = K(h + dy, h + dx); light landing outside the image is lost.
  // Direct and the matrix sum the same products (exact); FFT rounding: 1e-16 x log2 n x the
  // largest value, 1e-15.
  const Psf psf = Psf::from_image(lopsided_kernel());
  const Eigen::MatrixXd& k = psf.kernel();
  const int n = 12;
  for (ConvolutionMethod method : {ConvolutionMethod::kDirect, ConvolutionMethod::kFft}) {
    const Convolver conv(psf, n, method);
    ASSERT_EQ(conv.method(), method);
    for (auto [r0, c0] : {std::pair<int, int>{5, 6}, {0, 0}, {11, 10}}) {
      Eigen::VectorXd image = Eigen::VectorXd::Zero(n * n);
      image[r0 * n + c0] = 1;
      const Eigen::VectorXd by_matrix = conv.matrix() * image;
      conv.apply(image.data());
      for (int r = 0; r < n; ++r)
        for (int c = 0; c < n; ++c) {
          const int dy = r - r0, dx = c - c0;
          const double want = std::abs(dy) <= 2 && std::abs(dx) <= 2 ? k(2 + dy, 2 + dx) : 0.0;
          EXPECT_NEAR(image[r * n + c], want, 1e-15) << int(method) << " at " << r << ", " << c;
          EXPECT_EQ(by_matrix[r * n + c], want);
        }
    }
  }
}

TEST(LensConvolution, MethodsAgreeOnARandomImage) {
  // Sums of up to 441 products of numbers below 1: 1e-14 between methods.
  const Psf gauss = Psf::gaussian(0.25, 0.1, 21);
  const Eigen::VectorXd image = random_image(48, 7);
  Eigen::VectorXd sep = image, direct = image, fft = image;
  Convolver(gauss, 48, ConvolutionMethod::kSeparable).apply(sep.data());
  Convolver(gauss, 48, ConvolutionMethod::kDirect).apply(direct.data());
  const Convolver by_fft(gauss, 48, ConvolutionMethod::kFft);
  by_fft.apply(fft.data());
  EXPECT_LT((sep - direct).cwiseAbs().maxCoeff(), 1e-14);
  EXPECT_LT((fft - direct).cwiseAbs().maxCoeff(), 1e-14);
  EXPECT_GE(by_fft.fft_size(), 48 + 10);
  // Applying twice reuses the per-thread scratch: same answer.
  Eigen::VectorXd again = image;
  by_fft.apply(again.data());
  EXPECT_EQ(again, fft);
  // kAuto: separable for a Gaussian; for kernel images, direct up to 7 x 7 at npix 48, FFT
  // beyond (the crossover measured in convolution.cc).
  EXPECT_EQ(Convolver(gauss, 48).method(), ConvolutionMethod::kSeparable);
  EXPECT_EQ(Convolver(Psf::from_image(Eigen::MatrixXd::Ones(7, 7)), 48).method(),
            ConvolutionMethod::kDirect);
  EXPECT_EQ(Convolver(Psf::from_image(Eigen::MatrixXd::Ones(9, 9)), 48).method(),
            ConvolutionMethod::kFft);
  EXPECT_EQ(Convolver(Psf::from_image(gauss.kernel()), 48).method(), ConvolutionMethod::kFft);
  EXPECT_NE(error_message([] {
              Convolver(Psf::from_image(lopsided_kernel()), 8, ConvolutionMethod::kSeparable);
            }).find("the separable method needs a separable PSF"),
            std::string::npos);
}

}  // namespace
}  // namespace sbi::simulators::lensing
