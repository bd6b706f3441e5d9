// The 2-D convolution of nn/conv2d.h, by im2col + Eigen matrix products and (3 x 3) by
// Winograd's F(2x2, 3x3), against a direct loop (for each output channel, input channel and
// kernel tap, a scaled shifted plane is added to the output: contiguous, vectorised inner
// loop, no copies), on the layers of the default CnnEmbedding for 48 x 48 images, 3 x 3 and
// 5 x 5 kernels, 'same' padding. Times forward, the weight gradient (with the bias
// gradient), the input gradient and both in one backward call (as training does; Winograd
// shares the transformed output gradient between them), best of --reps, one thread (the filters are prepared
// once, outside the timings, as a training step does once per batch). Prints one line per layer
// and algorithm; asserts nothing (every algorithm is checked against the direct loop first).
// Then the crossover behind ConvAlgorithm::kAuto: forward + backward of a 3 x 3 layer
// C_in -> 16 channels by im2col and by Winograd, for C_in = 1 .. 16 at 48² and 24².
//
//   bench_conv2d [--images 16] [--reps 20]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "nn/conv2d.h"

namespace {

using sbi::nn::Conv2d;
using sbi::nn::ImageShape;
using sbi::nn::Matrix;

long int_flag(int argc, char** argv, const std::string& name, long fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return std::atol(argv[i + 1]);
  return fallback;
}

template <typename F>
double best_seconds(int reps, F&& f) {
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

// The direct loops, same layouts and conventions as Conv2d. For tap (u, v), output row i
// reads input row i + u - p, columns j + v - p for j in [j_lo, j_hi).
struct Direct {
  ImageShape in, out;
  int k, p;

  template <typename Body>
  void taps(Body&& body) const {
    for (int u = 0; u < k; ++u)
      for (int v = 0; v < k; ++v) {
        const int j_lo = std::max(0, p - v), j_hi = std::max(j_lo, std::min(out.width, in.width + p - v));
        for (int i = 0; i < out.height; ++i) {
          const int r = i + u - p;
          if (r >= 0 && r < in.height) body(u, v, i, r, j_lo, j_hi);
        }
      }
  }

  void forward(const Matrix& x, const Matrix& w, const Matrix& b, Matrix* y) const {
    y->resize(out.flat_dim(), x.cols());
    for (Eigen::Index n = 0; n < x.cols(); ++n)
      for (int o = 0; o < out.channels; ++o) {
        double* yo = y->col(n).data() + o * out.pixels();
        std::fill(yo, yo + out.pixels(), b(o, 0));
        for (int c = 0; c < in.channels; ++c) {
          const double* xc = x.col(n).data() + c * in.pixels();
          taps([&](int u, int v, int i, int r, int j_lo, int j_hi) {
            const double wt = w(o, (c * k + u) * k + v);
            const double* src = xc + r * in.width + v - p;
            double* dst = yo + i * out.width;
            for (int j = j_lo; j < j_hi; ++j) dst[j] += wt * src[j];
          });
        }
      }
  }

  void grad_weight(const Matrix& x, const Matrix& gy, Matrix* gw) const {
    for (Eigen::Index n = 0; n < x.cols(); ++n)
      for (int o = 0; o < out.channels; ++o) {
        const double* go = gy.col(n).data() + o * out.pixels();
        for (int c = 0; c < in.channels; ++c) {
          const double* xc = x.col(n).data() + c * in.pixels();
          taps([&](int u, int v, int i, int r, int j_lo, int j_hi) {
            const double* src = xc + r * in.width + v - p;
            const double* g = go + i * out.width;
            double s = 0;
            for (int j = j_lo; j < j_hi; ++j) s += g[j] * src[j];
            (*gw)(o, (c * k + u) * k + v) += s;
          });
        }
      }
  }

  void grad_input(const Matrix& gy, const Matrix& w, Matrix* gx) const {
    gx->setZero(in.flat_dim(), gy.cols());
    for (Eigen::Index n = 0; n < gy.cols(); ++n)
      for (int c = 0; c < in.channels; ++c) {
        double* xc = gx->col(n).data() + c * in.pixels();
        for (int o = 0; o < out.channels; ++o) {
          const double* go = gy.col(n).data() + o * out.pixels();
          taps([&](int u, int v, int i, int r, int j_lo, int j_hi) {
            const double wt = w(o, (c * k + u) * k + v);
            double* dst = xc + r * in.width + v - p;
            const double* g = go + i * out.width;
            for (int j = j_lo; j < j_hi; ++j) dst[j] += wt * g[j];
          });
        }
      }
  }
};

}  // namespace

int main(int argc, char** argv) {
  const int images = static_cast<int>(int_flag(argc, argv, "images", 16));
  const int reps = static_cast<int>(int_flag(argc, argv, "reps", 20));
  struct Layer {
    int c_in, c_out, size;
  };
  const Layer layers[] = {{1, 16, 48}, {16, 32, 24}, {32, 64, 12}};
  std::printf(
      "# batch of %d images, best of %d, one thread; GFLOP/s = 2 x multiply-adds of the direct sum / time\n",
      images, reps);
  std::printf("%-16s %6s %-9s %20s %15s %15s %15s\n", "layer", "kernel", "algorithm", "forward ms (GFLOP/s)",
              "weight grad ms", "input grad ms", "both grads ms");
  for (int k : {3, 5})
    for (const Layer& l : layers) {
      const ImageShape in{l.c_in, l.size, l.size};
      const int p = (k - 1) / 2;
      Conv2d conv(in, l.c_out, k, p, sbi::nn::ConvAlgorithm::kIm2col);
      sbi::core::Rng rng(1);
      conv.initialize(sbi::nn::Init::kPyTorch, &rng);
      const Direct direct{in, conv.out_shape(), k, p};
      const Matrix x = Matrix::Random(in.flat_dim(), images);
      const Matrix gy = Matrix::Random(conv.out_dim(), images);
      Matrix y_direct, gx_direct, y, gx;
      Matrix gw_direct = Matrix::Zero(conv.weight().rows(), conv.weight().cols());
      direct.forward(x, conv.weight(), conv.bias(), &y_direct);
      direct.grad_input(gy, conv.weight(), &gx_direct);
      const double flops = 2.0 * images * conv.out_shape().pixels() * l.c_out * l.c_in * k * k;
      char name[64];
      std::snprintf(name, sizeof name, "%dx%d %d->%d", l.size, l.size, l.c_in, l.c_out);
      auto cell = [&](double t, bool rate) {
        char c[32];
        if (rate)
          std::snprintf(c, sizeof c, "%8.2f (%5.1f)", 1e3 * t, flops / t * 1e-9);
        else
          std::snprintf(c, sizeof c, "%8.2f", 1e3 * t);
        return std::string(c);
      };
      auto row = [&](const char* algorithm, double f, double w, double i, double both) {
        std::printf("%-16s %6d %-9s %20s %15s %15s %15s\n", name, k, algorithm, cell(f, true).c_str(),
                    cell(w, false).c_str(), cell(i, false).c_str(), cell(both, false).c_str());
      };
      const double dw = best_seconds(reps, [&] { direct.grad_weight(x, gy, &gw_direct); });
      const double dx = best_seconds(reps, [&] { direct.grad_input(gy, conv.weight(), &gx_direct); });
      row("direct", best_seconds(reps, [&] { direct.forward(x, conv.weight(), conv.bias(), &y_direct); }), dw,
          dx, dw + dx);
      for (sbi::nn::ConvAlgorithm algorithm :
           {sbi::nn::ConvAlgorithm::kIm2col, sbi::nn::ConvAlgorithm::kWinograd}) {
        if (algorithm == sbi::nn::ConvAlgorithm::kWinograd && k != 3) continue;
        Conv2d c(in, l.c_out, k, p, algorithm);
        c.weight() = conv.weight();
        c.bias() = conv.bias();
        sbi::nn::Conv2dFilters filters;
        sbi::nn::Conv2dScratch scratch;
        c.prepare(&filters);
        c.forward(x, filters, &y, &scratch);  // same numbers first
        c.backward(x, gy, filters, &gx, &scratch);
        const double diff =
            std::max((y - y_direct).cwiseAbs().maxCoeff(), (gx - gx_direct).cwiseAbs().maxCoeff());
        if (diff > 1e-9) {
          std::fprintf(stderr, "bench_conv2d: %s and the direct loop differ by %g\n", name, diff);
          return 1;
        }
        row(algorithm == sbi::nn::ConvAlgorithm::kWinograd ? "winograd" : "im2col",
            best_seconds(reps, [&] { c.forward(x, filters, &y, &scratch); }),
            best_seconds(reps, [&] { c.backward(x, gy, filters, nullptr, &scratch); }),
            best_seconds(reps, [&] { c.backward(x, gy, filters, &gx, &scratch, false); }),
            best_seconds(reps, [&] { c.backward(x, gy, filters, &gx, &scratch); }));
      }
    }
  std::printf(
      "\n# crossover: forward + backward (both gradients) ms, 3 x 3, C_in -> 16, im2col / winograd\n");
  std::printf("%6s %16s %16s\n", "C_in", "48 x 48", "24 x 24");
  for (int c_in : {1, 2, 4, 8, 16}) {
    std::printf("%6d", c_in);
    for (int size : {48, 24}) {
      double t[2];
      for (int a = 0; a < 2; ++a) {
        Conv2d c(ImageShape{c_in, size, size}, 16, 3, 1,
                 a == 0 ? sbi::nn::ConvAlgorithm::kIm2col : sbi::nn::ConvAlgorithm::kWinograd);
        sbi::core::Rng rng(2);
        c.initialize(sbi::nn::Init::kPyTorch, &rng);
        const Matrix x = Matrix::Random(c.in_dim(), images), gy = Matrix::Random(c.out_dim(), images);
        Matrix y, gx;
        sbi::nn::Conv2dFilters filters;
        sbi::nn::Conv2dScratch scratch;
        c.prepare(&filters);
        t[a] = best_seconds(reps, [&] {
          c.forward(x, filters, &y, &scratch);
          c.backward(x, gy, filters, &gx, &scratch);
        });
      }
      std::printf(" %7.2f / %6.2f", 1e3 * t[0], 1e3 * t[1]);
    }
    std::printf("\n");
  }
  return 0;
}
