// DeepSets embedding: permutation invariance, masking (padding rows are ignored wherever
// they are and whatever they hold), gradients of every parameter of φ and ρ against
// six-point finite differences, and rebuilding from hyperparameters.
#include "nn/deepsets.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <numeric>

#include "core/error.h"
#include "nn/gradient_check.h"

namespace sbi::nn {
namespace {

Matrix random_matrix(int rows, int cols, core::Rng* rng) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng->normal();
  return m;
}

DeepSetsOptions small(Pooling pooling, bool masked, Activation act = Activation::kTanh,
                      bool set_norm = false) {
  DeepSetsOptions o;
  o.set_size = 7;
  o.features = 2;
  o.masked = masked;
  o.hidden = 6;
  o.phi_layers = 2;
  o.phi_dim = 5;
  o.rho_layers = 1;
  o.out_dim = 3;
  o.pooling = pooling;
  o.activation = act;
  o.set_norm = set_norm;
  return o;
}

// B sets; with a mask, set k has 7 - k % 4 rows present, at positions scattered by `shift`.
Matrix random_sets(const DeepSetsOptions& o, int b, core::Rng* rng) {
  Matrix x = random_matrix(o.in_dim(), b, rng);
  if (o.masked)
    for (int k = 0; k < b; ++k)
      for (int j = 0; j < o.set_size; ++j)
        x(j * o.row_width() + o.features, k) = ((j + k) % o.set_size) < o.set_size - k % 4 ? 1 : 0;
  return x;
}

// The same sets with the rows of each set permuted (row j -> perm[j]).
Matrix permute_rows(const DeepSetsOptions& o, const Matrix& x, const std::vector<int>& perm) {
  Matrix y(x.rows(), x.cols());
  const int w = o.row_width();
  for (int j = 0; j < o.set_size; ++j) y.middleRows(perm[j] * w, w) = x.middleRows(j * w, w);
  return y;
}

const Pooling kPoolings[] = {Pooling::kMean, Pooling::kSum, Pooling::kMeanAndSum};

TEST(DeepSets, PermutingRowsLeavesTheEmbeddingUnchanged) {
  for (Pooling pooling : kPoolings) {
    for (int variant = 0; variant < 4; ++variant) {
      const bool masked = variant & 1, set_norm = variant & 2;
      const DeepSetsOptions o = small(pooling, masked, Activation::kSiLU, set_norm);
      core::Rng rng(3);
      const DeepSetsEmbedding e(o, &rng);
      const Matrix x = random_sets(o, 5, &rng);
      const Matrix c = e.embed(x);
      std::vector<int> perm(o.set_size);
      std::iota(perm.begin(), perm.end(), 0);
      for (int trial = 0; trial < 5; ++trial) {
        for (int i = o.set_size - 1; i > 0; --i) std::swap(perm[i], perm[rng.below(i + 1)]);
        // Only the summation order changes: agreement to rounding (~1e-15 relative).
        EXPECT_LT((e.embed(permute_rows(o, x, perm)) - c).cwiseAbs().maxCoeff(), 1e-12 * (1 + c.cwiseAbs().maxCoeff()))
            << pooling_name(pooling) << " masked " << masked << " set_norm " << set_norm;
      }
      // A different set does change it (the check above is not vacuous).
      Matrix y = x;
      y(0, 0) += 0.5;
      EXPECT_GT((e.embed(y) - c).col(0).cwiseAbs().maxCoeff(), 1e-6)
          << pooling_name(pooling) << " masked " << masked << " set_norm " << set_norm;
    }
  }
}

// The definition written out set by set with separate φ and ρ networks holding the same
// weights: c = ρ([mean_j φ(x̂_j); sum_j φ(x̂_j) / S; μ; ln s]) over the present rows, with
// x̂_j = (x_j - μ)/s (set_norm) or x_j.
TEST(DeepSets, MatchesTheDefinitionSetBySet) {
  for (Pooling pooling : kPoolings)
    for (int variant = 0; variant < 4; ++variant) {
      const bool masked = variant & 1, set_norm = variant & 2;
      const DeepSetsOptions o = small(pooling, masked, Activation::kTanh, set_norm);
      core::Rng rng(17);
      DeepSetsEmbedding e(o, &rng);
      const int p = o.phi_dim, f = o.features, w = o.row_width();
      const int pool = pooling == Pooling::kMeanAndSum ? 2 * p : p;
      MlpOptions phi_options, rho_options;
      phi_options.in = f;
      phi_options.out = p;
      phi_options.hidden = o.hidden;
      phi_options.num_layers = o.phi_layers;
      phi_options.activation = o.activation;
      rho_options = phi_options;
      rho_options.in = pool + (set_norm ? 2 * f : 0);
      rho_options.out = o.out_dim;
      rho_options.num_layers = o.rho_layers;
      Mlp phi(phi_options, &rng), rho(rho_options, &rng);
      Parameters ours = phi.parameters();
      append_parameters("", rho.parameters(), &ours);
      unflatten_values(flatten_values(e.parameters()), ours);
      const Matrix x = random_sets(o, 4, &rng);
      const Matrix c = e.embed(x);
      for (int k = 0; k < 4; ++k) {
        std::vector<Vector> present;
        for (int j = 0; j < o.set_size; ++j)
          if (!masked || x(j * w + f, k) == 1) present.push_back(x.col(k).segment(j * w, f));
        const double n = present.size();
        Vector mu = Vector::Zero(f), var = Vector::Zero(f);
        for (const Vector& r : present) mu += r / n;
        for (const Vector& r : present) var += (r - mu).array().square().matrix() / n;
        const Vector sd = (var.array() + 1e-12).sqrt();
        Vector mean = Vector::Zero(p), sum = Vector::Zero(p);
        for (const Vector& r : present) {
          MlpCache cache;
          const Matrix in = set_norm ? Matrix((r - mu).array() / sd.array()) : Matrix(r);
          const Vector h = phi.forward(in, &cache);
          mean += h / n;
          sum += h / o.set_size;
        }
        Vector pooled(rho_options.in);
        if (pooling == Pooling::kMean) pooled.head(p) = mean;
        if (pooling == Pooling::kSum) pooled.head(p) = sum;
        if (pooling == Pooling::kMeanAndSum) pooled.head(2 * p) << mean, sum;
        if (set_norm) pooled.tail(2 * f) << mu, sd.array().log().matrix();
        MlpCache cache;
        const Vector want = rho.forward(pooled, &cache);
        EXPECT_LT((c.col(k) - want).cwiseAbs().maxCoeff(), 1e-12)
            << pooling_name(pooling) << " masked " << masked << " set_norm " << set_norm << " set " << k;
      }
    }
}

TEST(DeepSetsMasked, PaddingRowsAreIgnoredWhateverTheyHold) {
  for (Pooling pooling : kPoolings) for (bool set_norm : {false, true}) {
    const DeepSetsOptions o = small(pooling, true, Activation::kTanh, set_norm);
    core::Rng rng(5);
    const DeepSetsEmbedding e(o, &rng);
    const Matrix x = random_sets(o, 4, &rng);
    Matrix y = x;
    for (int k = 0; k < 4; ++k)
      for (int j = 0; j < o.set_size; ++j)
        if (x(j * 3 + 2, k) == 0) y.block(j * 3, k, 2, 1) << 1e6, -3e5;  // garbage in padding
    EXPECT_EQ(e.embed(x), e.embed(y)) << pooling_name(pooling) << " set_norm " << set_norm;
  }
}

TEST(DeepSetsMasked, MeanPoolingOfAPaddedSetEqualsThatOfTheSetAlone) {
  // A masked model over S = 7 rows and an unmasked one over the 4 present rows, with the
  // same weights (φ and ρ have the same shapes), give the same context; with set_norm the
  // set statistics too are those of the present rows.
  for (bool set_norm : {false, true}) {
  core::Rng rng(8);
  DeepSetsOptions masked = small(Pooling::kMean, true, Activation::kTanh, set_norm),
                  plain = small(Pooling::kMean, false, Activation::kTanh, set_norm);
  plain.set_size = 4;
  DeepSetsEmbedding a(masked, &rng), b(plain, &rng);
  unflatten_values(flatten_values(a.parameters()), b.parameters());
  Matrix x = Matrix::Zero(masked.in_dim(), 1), rows = random_matrix(2, 4, &rng);
  const int at[] = {1, 2, 4, 6};  // present rows scattered among padding
  for (int j = 0; j < 4; ++j) {
    x.block(at[j] * 3, 0, 2, 1) = rows.col(j);
    x(at[j] * 3 + 2, 0) = 1;
  }
  const Matrix flat = Eigen::Map<const Matrix>(rows.data(), 8, 1);
  EXPECT_LT((a.embed(x) - b.embed(flat)).cwiseAbs().maxCoeff(), 1e-13) << set_norm;
  // An empty set (n = 0) is defined: mean pooling gives ρ(0).
  EXPECT_TRUE(a.embed(Matrix::Zero(masked.in_dim(), 1)).allFinite());
  }
}

// L = Σ w ⊙ forward(x); backward(w) must give dL/dθ for every parameter of φ and ρ.
void expect_gradients(const DeepSetsOptions& o, int batch) {
  core::Rng rng(11, batch);
  DeepSetsEmbedding e(o, &rng);
  const Matrix x = random_sets(o, batch, &rng);
  const Matrix w = random_matrix(o.out_dim, batch, &rng);
  Parameters params = e.parameters();
  zero_grad(params);
  e.forward(x);
  e.backward(w);
  const Vector analytic = flatten_grads(params);
  const Vector theta0 = flatten_values(params);
  auto loss = [&](const Vector& v) {
    unflatten_values(v, params);
    return (e.embed(x).array() * w.array()).sum();
  };
  // tanh is smooth: the six-point stencil with step 1e-3 has error ~h^6 ~ 1e-18.
  const GradientCheckResult r = check_gradient(loss, theta0, analytic, 1e-6, 1e-3);
  unflatten_values(theta0, params);
  EXPECT_TRUE(r.ok) << pooling_name(o.pooling) << " masked " << o.masked << " set_norm "
                    << o.set_norm << " batch " << batch
                    << ": " << r.message;
  // Both networks receive gradient: every parameter tensor has a non-zero entry.
  for (const Parameter& p : params)
    EXPECT_GT(p.grad->cwiseAbs().maxCoeff(), 0.0) << p.name;
  EXPECT_EQ(params.front().name.rfind("phi/", 0), 0u);
  EXPECT_EQ(params.back().name.rfind("rho/", 0), 0u);
}

TEST(DeepSets, GradientsMatchFiniteDifferences) {
  for (Pooling pooling : kPoolings)
    for (bool masked : {false, true})
      for (bool set_norm : {false, true})
        for (int batch : {1, 3})
          expect_gradients(small(pooling, masked, Activation::kTanh, set_norm), batch);
  // 37 sets: three chunks of φ, whose gradients are added.
  expect_gradients(small(Pooling::kMeanAndSum, true), 37);
}

TEST(DeepSets, ForwardEqualsEmbedAndGradientsAccumulate) {
  const DeepSetsOptions o = small(Pooling::kMeanAndSum, true);
  core::Rng rng(2);
  DeepSetsEmbedding e(o, &rng);
  const Matrix x = random_sets(o, 6, &rng);
  const Matrix c = e.forward(x);
  EXPECT_EQ(c, e.embed(x));
  Parameters params = e.parameters();
  zero_grad(params);
  const Matrix w = random_matrix(o.out_dim, 6, &rng);
  e.backward(w);
  const Vector once = flatten_grads(params);
  e.forward(x);
  e.backward(w);  // adds, as every layer does (Stan adjoints)
  EXPECT_LT((flatten_grads(params) - 2 * once).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(DeepSets, SameResultsForAnyThreadCount) {
  // φ runs in fixed chunks of 16 sets and chunk gradients are added in chunk order.
  const DeepSetsOptions o = small(Pooling::kMeanAndSum, true, Activation::kReLU, true);
  Matrix c[2];
  Vector g[2];
  for (int t = 0; t < 2; ++t) {
    omp_set_num_threads(t + 1);
    core::Rng rng(21);
    DeepSetsEmbedding e(o, &rng);
    const Matrix x = random_sets(o, 50, &rng), w = random_matrix(o.out_dim, 50, &rng);
    Parameters params = e.parameters();
    zero_grad(params);
    c[t] = e.forward(x);
    e.backward(w);
    g[t] = flatten_grads(params);
  }
  omp_set_num_threads(omp_get_num_procs());
  EXPECT_EQ(c[0], c[1]);
  EXPECT_EQ(g[0], g[1]);
}

TEST(DeepSets, RebuiltFromHyperparametersByMakeEmbedding) {
  const DeepSetsOptions o = small(Pooling::kSum, true, Activation::kSiLU, /*set_norm=*/true);
  core::Rng rng(4);
  DeepSetsEmbedding e(o, &rng);
  const auto h = e.hyperparameters();
  EXPECT_EQ(h.get_int("set_size"), 7);
  EXPECT_EQ(h.get_int("features"), 2);
  EXPECT_EQ(h.get_int("in_dim"), 21);
  EXPECT_TRUE(h.get_bool("set_norm"));
  EXPECT_EQ(h.values().at("pooling"), core::Hyperparameters::Value(std::string("sum")));
  EXPECT_EQ(h.values().at("activation"), core::Hyperparameters::Value(std::string("silu")));
  std::unique_ptr<Embedding> copy = make_embedding("deepsets", h, 99);
  EXPECT_EQ(copy->kind(), "deepsets");
  EXPECT_EQ(copy->in_dim(), 21);
  EXPECT_EQ(copy->hyperparameters(), h);
  unflatten_values(flatten_values(e.parameters()), copy->parameters());
  const Matrix x = random_sets(o, 3, &rng);
  EXPECT_EQ(copy->embed(x), e.embed(x));
}

TEST(DeepSets, ErrorsNameTheProblem) {
  core::Rng rng(1);
  DeepSetsOptions o = small(Pooling::kMean, false);
  o.set_size = 0;
  try {
    DeepSetsEmbedding e(o, &rng);
    FAIL();
  } catch (const core::Error& err) {
    EXPECT_NE(std::string(err.what()).find("set_size = 0 must be >= 1"), std::string::npos);
  }
  const DeepSetsEmbedding e(small(Pooling::kMean, true), &rng);
  try {
    e.embed(Matrix::Zero(14, 1));
    FAIL();
  } catch (const core::Error& err) {
    EXPECT_NE(std::string(err.what()).find("x has 14 rows, expected 21 (7 rows of 3)"), std::string::npos);
  }
  EXPECT_THROW(parse_pooling("max"), core::Error);
  EXPECT_EQ(parse_pooling("mean+sum"), Pooling::kMeanAndSum);
}

}  // namespace
}  // namespace sbi::nn
