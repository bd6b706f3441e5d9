// The 2-D convolution of nn/conv2d.h (im2col + one Eigen matrix product) against a direct
// loop (for each output channel, input channel and kernel tap, a scaled shifted plane is
// added to the output: contiguous, vectorised inner loop, no copies), on the layers of the
// default CnnEmbedding for 48 x 48 images, 3 x 3 and 5 x 5 kernels, 'same' padding.
// Times forward, the weight gradient and the input gradient, best of --reps, one thread.
// Prints one line per layer; asserts nothing (both are checked against each other first).
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
    const Eigen::Index n_img = x.rows() / in.pixels();
    y->resize(n_img * out.pixels(), out.channels);
    for (Eigen::Index n = 0; n < n_img; ++n)
      for (int o = 0; o < out.channels; ++o) {
        double* yo = y->col(o).data() + n * out.pixels();
        std::fill(yo, yo + out.pixels(), b(o, 0));
        for (int c = 0; c < in.channels; ++c) {
          const double* xc = x.col(c).data() + n * in.pixels();
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
    const Eigen::Index n_img = x.rows() / in.pixels();
    for (Eigen::Index n = 0; n < n_img; ++n)
      for (int o = 0; o < out.channels; ++o) {
        const double* go = gy.col(o).data() + n * out.pixels();
        for (int c = 0; c < in.channels; ++c) {
          const double* xc = x.col(c).data() + n * in.pixels();
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
    const Eigen::Index n_img = gy.rows() / out.pixels();
    gx->setZero(n_img * in.pixels(), in.channels);
    for (Eigen::Index n = 0; n < n_img; ++n)
      for (int c = 0; c < in.channels; ++c) {
        double* xc = gx->col(c).data() + n * in.pixels();
        for (int o = 0; o < out.channels; ++o) {
          const double* go = gy.col(o).data() + n * out.pixels();
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
  struct Layer { int c_in, c_out, size; };
  const Layer layers[] = {{1, 16, 48}, {16, 32, 24}, {32, 64, 12}};
  std::printf("# batch of %d images, best of %d, one thread; GFLOP/s = 2 x multiply-adds / time\n",
              images, reps);
  std::printf("%-22s %6s %28s %28s %28s\n", "layer", "kernel", "forward ms (GFLOP/s)",
              "weight grad ms (GFLOP/s)", "input grad ms (GFLOP/s)");
  for (int k : {3, 5})
    for (const Layer& l : layers) {
      const ImageShape in{l.c_in, l.size, l.size};
      Conv2d conv(in, l.c_out, k, (k - 1) / 2);
      sbi::core::Rng rng(1);
      conv.initialize(sbi::nn::Init::kPyTorch, &rng);
      const Direct direct{in, conv.out_shape(), k, (k - 1) / 2};
      Matrix x = Matrix::Random(images * in.pixels(), in.channels);
      Matrix gy = Matrix::Random(images * conv.out_shape().pixels(), l.c_out);
      Matrix y, y_direct, cols, gx, gx_direct;
      Matrix gw_direct = Matrix::Zero(conv.weight().rows(), conv.weight().cols());
      // Same numbers first.
      conv.forward(x, &y, &cols);
      direct.forward(x, conv.weight(), conv.bias(), &y_direct);
      conv.backward(x, gy, &gx, &cols);
      direct.grad_input(gy, conv.weight(), &gx_direct);
      const double diff = std::max((y - y_direct).cwiseAbs().maxCoeff(), (gx - gx_direct).cwiseAbs().maxCoeff());
      if (diff > 1e-9) {
        std::fprintf(stderr, "bench_conv2d: im2col and direct loop differ by %g\n", diff);
        return 1;
      }
      const double flops = 2.0 * images * conv.out_shape().pixels() * l.c_out * l.c_in * k * k;
      auto row = [&](double gemm, double dir) {
        char s[64];
        std::snprintf(s, sizeof s, "%6.2f (%4.1f) vs %6.2f (%4.1f)", 1e3 * gemm, flops / gemm * 1e-9,
                      1e3 * dir, flops / dir * 1e-9);
        return std::string(s);
      };
      const double f_gemm = best_seconds(reps, [&] { conv.forward(x, &y, &cols); });
      const double f_dir = best_seconds(reps, [&] { direct.forward(x, conv.weight(), conv.bias(), &y_direct); });
      const double w_gemm = best_seconds(reps, [&] { conv.backward(x, gy, nullptr, &cols); });
      const double w_dir = best_seconds(reps, [&] { direct.grad_weight(x, gy, &gw_direct); });
      const double i_gemm = best_seconds(reps, [&] { conv.backward(x, gy, &gx, &cols, false); });
      const double i_dir = best_seconds(reps, [&] { direct.grad_input(gy, conv.weight(), &gx_direct); });
      char name[64];
      std::snprintf(name, sizeof name, "%dx%d %d->%d", l.size, l.size, l.c_in, l.c_out);
      std::printf("%-22s %6d %28s %28s %28s\n", name, k, row(f_gemm, f_dir).c_str(),
                  row(w_gemm, w_dir).c_str(), row(i_gemm, i_dir).c_str());
    }
  std::printf("# each cell: im2col + GEMM (nn::Conv2d) vs direct loop\n");
  return 0;
}
