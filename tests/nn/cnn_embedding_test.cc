// The convolutional embedding: gradients of every parameter against six-point finite
// differences (several activations, poolings and readouts, batches spanning several
// chunks), embed() = forward(), the same numbers for any thread count, rebuilding from
// hyperparameters, clear errors, and a small regression it must learn: the position of a
// Gaussian blob in 16 x 16 images.
#include "nn/cnn_embedding.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "nn/adam.h"
#include "nn/gradient_check.h"

namespace sbi::nn {
namespace {

Matrix random_matrix(Eigen::Index rows, Eigen::Index cols, core::Rng* rng) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng->normal();
  return m;
}

// Block 2 has 8 input channels, so it runs Winograd's algorithm and block 1 im2col
// (nn/conv2d.h), unless `blocks` says otherwise.
CnnOptions small(Activation act, ImagePooling pooling, CnnReadout readout, std::vector<int> blocks = {8, 4}) {
  CnnOptions o;
  o.height = 8;
  o.width = 10;
  o.channels = 2;
  o.block_channels = std::move(blocks);
  o.kernel = 3;
  o.activation = act;
  o.pooling = pooling;
  o.readout = readout;
  o.hidden = 5;
  o.head_layers = 1;
  o.out_dim = 3;
  return o;
}

// The gradient size below which the relative error is measured against a floor instead: the
// stencil's rounding error is about 2 eps |L| / h (|L| ~ 1 here), 2e-11 at h = 1e-5, so an
// entry of 1e-5 carries a relative error of 1e-6 from rounding alone, and which entries
// reach it depends on the order of the sums in the products (nn/gemm.h). The floor scales
// with 1 / h: 1e-6 (the default) at h = 1e-3, 1e-4 at h = 1e-5.
double rounding_floor(double step) { return 1e-9 / step; }

// Parameter gradients of L = Σ w .* forward(x) against finite differences.
GradientCheckResult check_parameter_gradients(const CnnOptions& o, int batch, double step) {
  core::Rng rng(3, batch);
  CnnEmbedding e(o, &rng);
  const Matrix x = random_matrix(o.in_dim(), batch, &rng);
  const Matrix w = random_matrix(o.out_dim, batch, &rng);
  Parameters params = e.parameters();
  zero_grad(params);
  e.forward(x);
  e.backward(w);
  const Vector theta0 = flatten_values(params);
  const GradientCheckResult r = check_gradient(
      [&](const Vector& v) {
        unflatten_values(v, params);
        return (e.embed(x).array() * w.array()).sum();
      },
      theta0, flatten_grads(params), 1e-6, step, rounding_floor(step));
  unflatten_values(theta0, params);
  return r;
}

TEST(CnnEmbedding, GradientsMatchFiniteDifferences) {
  // The step of the six-point stencil (±3 steps) per case, from the measured error against
  // the step (the analytic side does not depend on it):
  // - tanh and SiLU are smooth: 1e-3 leaves rounding only (5e-8 relative at most).
  // - ELU's second derivative jumps at 0, which turns the O(h^6) error into O(h²) for a
  //   pre-activation near 0: 1e-5 (measured 3e-7; 4e-6 at 1e-4, 1e-3 at 1e-3).
  // - Max pooling is piecewise linear: a stencil that reorders a window is wrong, and
  //   the more windows the nearer the closest tie. With 3 then 4 channels (im2col in both
  //   blocks) step 1e-5 gives 2e-7; with 8 channels some window of 11 images lies within
  //   3e-5 of a tie (0.03 at 1e-5) while rounding already reaches 1e-4 at 1e-6, so the
  //   max-pooling cases use the narrower network. Max pooling on its own is checked, with
  //   the distance to the nearest tie, in conv2d_test.cc.
  struct Case {
    Activation act;
    ImagePooling pooling;
    CnnReadout readout;
    std::vector<int> blocks;
    double step;
  };
  const Case cases[] = {{Activation::kTanh, ImagePooling::kAverage, CnnReadout::kFlatten, {8, 4}, 1e-3},
                        {Activation::kSiLU, ImagePooling::kAverage, CnnReadout::kMean, {8, 4}, 1e-3},
                        {Activation::kELU, ImagePooling::kAverage, CnnReadout::kFlatten, {8, 4}, 1e-5},
                        {Activation::kTanh, ImagePooling::kMax, CnnReadout::kFlatten, {3, 4}, 1e-5},
                        {Activation::kSiLU, ImagePooling::kMax, CnnReadout::kMean, {3, 4}, 1e-5}};
  for (const Case& c : cases)
    for (int batch : {1, 11}) {  // 11 images: a full chunk of 8 and a partial one
      const GradientCheckResult r =
          check_parameter_gradients(small(c.act, c.pooling, c.readout, c.blocks), batch, c.step);
      EXPECT_TRUE(r.ok) << activation_name(c.act) << " " << image_pooling_name(c.pooling) << " "
                        << cnn_readout_name(c.readout) << " batch " << batch << ": " << r.message;
    }
}

TEST(CnnEmbedding, EmbedEqualsForwardAndDoesNotDependOnThreads) {
  const CnnOptions o = small(Activation::kReLU, ImagePooling::kMax, CnnReadout::kFlatten);
  core::Rng rng(9);
  CnnEmbedding e(o, &rng);
  const Matrix x = random_matrix(o.in_dim(), 37, &rng);  // 5 chunks, the last of 5 images
  const Matrix w = random_matrix(o.out_dim, 37, &rng);
  const int threads = omp_get_max_threads();
  Vector grads[2];
  Matrix outs[2];
  for (int t : {1, 2}) {
    omp_set_num_threads(t);
    Parameters params = e.parameters();
    zero_grad(params);
    outs[t - 1] = e.forward(x);
    EXPECT_EQ(e.embed(x), outs[t - 1]) << t << " threads";  // bitwise
    e.backward(w);
    grads[t - 1] = flatten_grads(params);
  }
  omp_set_num_threads(threads);
  EXPECT_EQ(outs[0], outs[1]);
  EXPECT_EQ(grads[0], grads[1]);
  // embed() of a sub-batch gives the same columns (to rounding: the products are blocked
  // differently for another batch size): images do not interact.
  EXPECT_LT((e.embed(x.middleCols(8, 3)) - outs[0].middleCols(8, 3)).cwiseAbs().maxCoeff(), 1e-14);
}

// training_precision kFloat32: forward() and backward() in float give the double passes'
// summary and gradients to float's rounding, for every readout and pooling and both
// convolution algorithms (block 2 has 8 input channels: Winograd); embed() stays double;
// the setting travels in the hyperparameters; and the float passes do not depend on threads.
TEST(CnnEmbedding, FloatTrainingPassesAgreeWithDouble) {
  for (ImagePooling pooling : {ImagePooling::kAverage, ImagePooling::kMax})
    for (CnnReadout readout : {CnnReadout::kFlatten, CnnReadout::kMean}) {
      CnnOptions o = small(Activation::kReLU, pooling, readout);
      core::Rng rng(21);
      CnnEmbedding e64(o, &rng);
      o.training_precision = Precision::kFloat32;
      const std::unique_ptr<Embedding> e32 = make_embedding("cnn", e64.hyperparameters(), 0);
      EXPECT_EQ(e32->hyperparameters().get_enum_name("training_precision", precision_names()), "float64");
      EmbeddingHyperparameters h = e64.hyperparameters();
      h.set("training_precision", std::string("float32"));
      CnnEmbedding* single = dynamic_cast<CnnEmbedding*>(make_embedding("cnn", h, 0).release());
      ASSERT_NE(single, nullptr);
      std::unique_ptr<CnnEmbedding> owned(single);
      EXPECT_EQ(single->options().training_precision, Precision::kFloat32);
      unflatten_values(flatten_values(e64.parameters()), single->parameters());  // the same weights
      const Matrix x = random_matrix(o.in_dim(), 11, &rng);
      const Matrix w = random_matrix(o.out_dim, 11, &rng);
      zero_grad(e64.parameters());
      zero_grad(single->parameters());
      const Matrix y64 = e64.forward(x);
      const Matrix y32 = single->forward(x);
      e64.backward(w);
      single->backward(w);
      const std::string where = image_pooling_name(pooling) + " " + cnn_readout_name(readout);
      const double scale = y64.cwiseAbs().maxCoeff();
      EXPECT_LT((y32 - y64).cwiseAbs().maxCoeff(), 1e-5 * scale) << where;
      EXPECT_GT((y32 - y64).cwiseAbs().maxCoeff(), 0.0) << where;  // really in float
      const Vector g64 = flatten_grads(e64.parameters()), g32 = flatten_grads(single->parameters());
      // Max pooling may pick another pixel of a window whose two largest values lie within
      // float's rounding of each other; none does for these draws.
      EXPECT_LT((g32 - g64).cwiseAbs().maxCoeff(), 1e-4 * g64.cwiseAbs().maxCoeff()) << where;
      EXPECT_EQ(single->embed(x), e64.embed(x)) << where;  // inference stays double
      // The float passes are the same bits on 1 and 2 threads.
      const int threads = omp_get_max_threads();
      omp_set_num_threads(1);
      zero_grad(single->parameters());
      EXPECT_EQ(single->forward(x), y32) << where;
      single->backward(w);
      EXPECT_EQ(flatten_grads(single->parameters()), g32) << where;
      omp_set_num_threads(threads);
    }
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const core::Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(CnnEmbedding, HyperparametersRebuildTheSameNetwork) {
  CnnOptions o = small(Activation::kSiLU, ImagePooling::kMax, CnnReadout::kMean);
  o.block_channels = {4, 6, 5};
  o.height = 9;  // 9 -> 4 -> 2 -> 1
  o.kernel = 5;
  const std::uint64_t seed = 12345;
  core::Rng rng(seed, 7);  // make_embedding's stream
  const CnnEmbedding direct(o, &rng);
  const EmbeddingHyperparameters h = direct.hyperparameters();
  EXPECT_EQ(h.get_int("blocks"), 3);
  EXPECT_EQ(h.get_int("block2_channels"), 6);
  EXPECT_EQ(h.get_int("kernel"), 5);
  EXPECT_EQ(h.get_enum_name("pooling", image_pooling_names()), "max");
  EXPECT_EQ(h.get_enum_name("readout", cnn_readout_names()), "mean");
  EXPECT_EQ(h.get_int("in_dim"), 2 * 9 * 10);
  const std::unique_ptr<Embedding> rebuilt = make_embedding("cnn", h, seed);
  EXPECT_EQ(rebuilt->kind(), "cnn");
  EXPECT_EQ(rebuilt->hyperparameters(), h);
  core::Rng data(1);
  const Matrix x = random_matrix(o.in_dim(), 10, &data);
  EXPECT_EQ(rebuilt->embed(x), direct.embed(x));  // bitwise
  EXPECT_NE(make_embedding("cnn", h, seed + 1)->embed(x), direct.embed(x));
  // A file whose sizes disagree is refused, naming them.
  EmbeddingHyperparameters wrong = h;
  wrong.set("in_dim", 100);
  const std::string message = error_of([&] { make_embedding("cnn", wrong, seed); });
  EXPECT_NE(message.find("'in_dim' = 100 is not channels x height x width = 180"), std::string::npos)
      << message;
}

TEST(CnnEmbedding, ClearErrors) {
  CnnOptions o = small(Activation::kReLU, ImagePooling::kAverage, CnnReadout::kFlatten);
  core::Rng rng(1);
  const CnnEmbedding e(o, &rng);
  const std::string wrong = error_of([&] { e.embed(Matrix::Zero(81, 2)); });
  EXPECT_NE(wrong.find("x has 81 rows, expected 160"), std::string::npos) << wrong;
  EXPECT_NE(wrong.find("2 x 8 x 10 (channels x height x width)"), std::string::npos) << wrong;
  o.height = 3;  // two blocks need 4 rows
  const std::string small_image = error_of([&] { CnnEmbedding(o, &rng); });
  EXPECT_NE(small_image.find("CnnOptions::height = 3 is too small for 2 blocks"), std::string::npos)
      << small_image;
  o.height = 8;
  o.kernel = 4;
  EXPECT_NE(error_of([&] { CnnEmbedding(o, &rng); }).find("CnnOptions::kernel = 4 must be odd"),
            std::string::npos);
  o.kernel = 3;
  o.block_channels = {};
  EXPECT_NE(error_of([&] { CnnEmbedding(o, &rng); }).find("block_channels.size() = 0"), std::string::npos);
  EXPECT_THROW(parse_cnn_readout("max"), core::Error);
}

// Images of a Gaussian blob, I(y, x) = exp(-((x - x0)² + (y - y0)²) / (2 σ²)), σ = 1.5
// pixels, centre uniform in [3, 12]² on a 16 x 16 grid, plus white noise of σ 0.05;
// targets are the centre, z-scored ((x0 - 7.5) / s with s = 9 / sqrt(12), the prior's std).
void blob_images(int n, core::Rng* rng, Matrix* x, Matrix* centre) {
  constexpr int kSize = 16;
  const double sigma = 1.5, s = 9.0 / std::sqrt(12.0);
  x->resize(kSize * kSize, n);
  centre->resize(2, n);
  for (int k = 0; k < n; ++k) {
    const double x0 = rng->uniform(3, 12), y0 = rng->uniform(3, 12);
    for (int r = 0; r < kSize; ++r)
      for (int c = 0; c < kSize; ++c)
        (*x)(r * kSize + c, k) =
            std::exp(-((c - x0) * (c - x0) + (r - y0) * (r - y0)) / (2 * sigma * sigma)) +
            0.05 * rng->normal();
    (*centre)(0, k) = (x0 - 7.5) / s;
    (*centre)(1, k) = (y0 - 7.5) / s;
  }
}

TEST(CnnEmbedding, LearnsTheCentreOfABlob) {
  CnnOptions o;
  o.height = o.width = 16;
  o.block_channels = {8, 16};
  o.hidden = 64;
  o.out_dim = 16;
  core::Rng rng(2);
  CnnEmbedding e(o, &rng);
  Dense head(o.out_dim, 2);  // the linear head
  head.initialize(Init::kPyTorch, &rng);
  Parameters params = e.parameters();
  append_parameters("linear", head.parameters(), &params);
  Adam adam(params, AdamOptions{2e-3});
  Matrix x, centre, x_test, centre_test;
  blob_images(2000, &rng, &x, &centre);
  blob_images(500, &rng, &x_test, &centre_test);
  const int batch = 50, epochs = 30;
  Matrix pred, grad;
  for (int epoch = 0; epoch < epochs; ++epoch)
    for (int b = 0; b + batch <= x.cols(); b += batch) {
      zero_grad(params);
      const Matrix& c = e.forward(x.middleCols(b, batch));
      head.forward(c, &pred);
      grad = 2.0 / batch * (pred - centre.middleCols(b, batch));  // d/dpred of the batch mean of |pred - t|²
      Matrix grad_c;
      head.backward(c, grad, &grad_c);
      e.backward(grad_c);
      adam.step();
    }
  head.forward(e.embed(x_test), &pred);
  // Root-mean-square error of the centre in pixels, per coordinate.
  const double rmse = std::sqrt((pred - centre_test).squaredNorm() / pred.size()) * 9.0 / std::sqrt(12.0);
  // Guessing the mean gives 9 / sqrt(12) = 2.6 pixels; the brightest pixel gives the centre
  // to within its rounding, 1 / sqrt(12) = 0.29 pixels; the noise allows 0.04 pixels (the
  // Cramér-Rao bound σ_n sqrt(2 / π) / amplitude, from Σ (dI/dx0)² = π / 2 per unit
  // amplitude). Require half the brightest-pixel error, 0.144 pixels: the network must
  // interpolate between pixels, through two poolings down to 4 x 4. Measured: 0.096.
  EXPECT_LT(rmse, 0.5 / std::sqrt(12.0)) << "rmse " << rmse << " pixels";
  std::printf("blob centre rmse: %.3f pixels (guessing the mean: 2.598)\n", rmse);
}

}  // namespace
}  // namespace sbi::nn
