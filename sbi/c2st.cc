#include "sbi/c2st.h"

#include <algorithm>
#include <cmath>
#include <exception>

#include "core/error.h"
#include "core/progress.h"
#include "core/rng.h"
#include "nn/adam.h"
#include "nn/mlp.h"
#include "sbi/standardizer.h"

namespace sbi {
namespace {

using nn::Matrix;
using nn::RowVector;

// Fold k's classifier draws from Rng(seed, kFirstFoldStream + k); the fold assignment
// from Rng(seed, kSplitStream).
constexpr std::uint64_t kSplitStream = 0;
constexpr std::uint64_t kFirstFoldStream = 1;

// scikit-learn's initialisation (Glorot & Bengio 2010, as in MLPClassifier._init_coef
// for ReLU networks): W and b ~ U(-a, a), a = sqrt(6 / (fan_in + fan_out)), biases
// included. Parameters come as (weight, bias) pairs per layer; the L2 penalty in
// train_and_score relies on that order too, so it is checked here.
void init_like_sklearn(const nn::Parameters& params, core::Rng* rng) {
  auto ends_with = [](const std::string& s, const std::string& end) {
    return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
  };
  for (size_t i = 0; i + 1 < params.size(); i += 2) {
    core::check(ends_with(params[i].name, "weight") && ends_with(params[i + 1].name, "bias"),
                "c2st: expected (weight, bias) parameter pairs, got " + params[i].name);
    Matrix& w = *params[i].value;  // out x in
    const double a = std::sqrt(6.0 / static_cast<double>(w.rows() + w.cols()));
    for (Matrix* m : {params[i].value, params[i + 1].value})
      for (Eigen::Index j = 0; j < m->size(); ++j) m->data()[j] = rng->uniform(-a, a);
  }
}

// Binary cross-entropy of logits z against labels y in {0, 1}, summed:
// -y log s(z) - (1-y) log(1 - s(z)) = softplus(z) - y z, with
// softplus(z) = max(z, 0) + log1p(exp(-|z|)) (no overflow for large |z|).
double bce_sum(const Matrix& z, const RowVector& y) {
  const auto a = z.array();
  return (a.max(0.0) + (-a.abs()).exp().log1p() - y.array() * a).sum();
}

// Trains one classifier on the columns `train` of (x, y) and returns its accuracy on the
// columns `test`. Follows MLPClassifier._fit_stochastic (solver "adam", shuffle=True).
double train_and_score(const Matrix& x, const RowVector& y, const std::vector<long>& train,
                       const std::vector<long>& test, const C2stOptions& o, core::Rng* rng) {
  const int d = static_cast<int>(x.rows());
  nn::MlpOptions mlp_options;
  mlp_options.in = d;
  mlp_options.out = 1;
  mlp_options.hidden = o.hidden_factor * d;
  mlp_options.num_layers = 2;
  mlp_options.activation = nn::Activation::kReLU;
  nn::Mlp mlp(mlp_options, rng);
  const nn::Parameters params = mlp.parameters();
  init_like_sklearn(params, rng);
  nn::AdamOptions adam_options;
  adam_options.learning_rate = o.learning_rate;
  nn::Adam adam(params, adam_options);

  const long n = static_cast<long>(train.size());
  const long batch = std::min<long>(o.batch_size, n);
  Matrix x_train(d, n);
  RowVector y_train(n);
  for (long j = 0; j < n; ++j) {
    x_train.col(j) = x.col(train[j]);
    y_train[j] = y[train[j]];
  }

  // Full batches and the shorter last one get their own buffers, so that a warmed-up
  // epoch does not allocate.
  std::vector<long> order(n);
  for (long j = 0; j < n; ++j) order[j] = j;
  nn::MlpCache caches[2];
  Matrix xb[2], grad[2];
  RowVector yb[2];
  double best_loss = INFINITY;
  int no_improvement = 0;
  for (int epoch = 0; epoch < o.max_epochs; ++epoch) {
    for (long j = n - 1; j > 0; --j) std::swap(order[j], order[rng->below(j + 1)]);
    double epoch_loss = 0.0;
    for (long start = 0; start < n; start += batch) {
      const long b = std::min(batch, n - start);
      const int s = b == batch ? 0 : 1;
      xb[s].resize(d, b);
      yb[s].resize(b);
      for (long j = 0; j < b; ++j) {
        xb[s].col(j) = x_train.col(order[start + j]);
        yb[s][j] = y_train[order[start + j]];
      }
      const Matrix& z = mlp.forward(xb[s], &caches[s]);
      // d(mean BCE)/dz = (sigmoid(z) - y) / b.
      grad[s] = ((1.0 + (-z.array()).exp()).inverse() - yb[s].array()) / double(b);
      nn::zero_grad(params);
      mlp.backward(&caches[s], grad[s], nullptr);
      // sklearn's penalty alpha/2 ||W||^2 / b on weights (even entries), gradient alpha W / b.
      double sum_w2 = 0.0;
      for (size_t i = 0; i < params.size(); i += 2) {
        sum_w2 += params[i].value->squaredNorm();
        *params[i].grad += (o.l2 / double(b)) * *params[i].value;
      }
      const double batch_loss = bce_sum(z, yb[s]) / double(b) + 0.5 * o.l2 * sum_w2 / double(b);
      epoch_loss += batch_loss * double(b);
      adam.step();
    }
    epoch_loss /= double(n);
    // MLPClassifier._update_no_improvement_count: an epoch "improves" only if it beats the
    // best loss so far by tol; stop once more than `patience` epochs in a row did not.
    no_improvement = epoch_loss > best_loss - o.tol ? no_improvement + 1 : 0;
    best_loss = std::min(best_loss, epoch_loss);
    if (no_improvement > o.patience) break;
  }

  Matrix x_test(d, static_cast<long>(test.size()));
  for (size_t j = 0; j < test.size(); ++j) x_test.col(j) = x.col(test[j]);
  nn::MlpCache cache;
  const Matrix& z = mlp.forward(x_test, &cache);
  long correct = 0;
  for (size_t j = 0; j < test.size(); ++j)
    correct += (z(0, j) > 0.0) == (y[test[j]] > 0.5);  // P(Q) > 1/2 <=> logit > 0
  return static_cast<double>(correct) / static_cast<double>(test.size());
}

}  // namespace

bool C2stOptions::is_valid(std::string* error) const {
  if (folds < 2) *error = "C2stOptions::folds = " + std::to_string(folds) + " must be >= 2";
  else if (max_epochs < 1)
    *error = "C2stOptions::max_epochs = " + std::to_string(max_epochs) + " must be >= 1";
  else if (patience < 0)
    *error = "C2stOptions::patience = " + std::to_string(patience) + " must be >= 0";
  else if (!(tol >= 0)) *error = "C2stOptions::tol = " + std::to_string(tol) + " must be >= 0";
  else if (!(learning_rate > 0))
    *error = "C2stOptions::learning_rate = " + std::to_string(learning_rate) + " must be > 0";
  else if (batch_size < 1)
    *error = "C2stOptions::batch_size = " + std::to_string(batch_size) + " must be >= 1";
  else if (!(l2 >= 0)) *error = "C2stOptions::l2 = " + std::to_string(l2) + " must be >= 0";
  else if (hidden_factor < 1)
    *error = "C2stOptions::hidden_factor = " + std::to_string(hidden_factor) + " must be >= 1";
  else return true;
  return false;
}

C2stResult c2st(const Eigen::MatrixXd& p, const Eigen::MatrixXd& q, const C2stOptions& options) {
  core::Stopwatch clock;
  core::check_valid(options, "c2st");
  core::check(p.rows() >= 1, "c2st: p has 0 rows (dimensions)");
  core::check(p.rows() == q.rows(), "c2st: p has " + std::to_string(p.rows()) +
                                        " rows (dimensions) but q has " +
                                        std::to_string(q.rows()));
  core::check(p.allFinite(), "c2st: p has NaN or infinite entries");
  core::check(q.allFinite(), "c2st: q has NaN or infinite entries");
  const long np = p.cols(), nq = q.cols();
  core::check(np >= options.folds && nq >= options.folds,
              "c2st: p has " + std::to_string(np) + " and q " + std::to_string(nq) +
                  " samples; each needs at least folds = " + std::to_string(options.folds));

  // z-score with P's statistics; columns 0..np-1 are P (label 0), then Q (label 1).
  const Standardizer z = Standardizer::fit(p);
  Matrix x(p.rows(), np + nq);
  x.leftCols(np) = z.apply(p);
  x.rightCols(nq) = z.apply(q);
  RowVector y(np + nq);
  y.head(np).setZero();
  y.tail(nq).setOnes();

  // Stratified shuffled folds: shuffle P's and Q's indices separately, then deal P's
  // followed by Q's round-robin, so every fold holds floor or ceil of Np/k and Nq/k
  // of each, and fold sizes differ by at most one.
  const int k = options.folds;
  core::Rng split_rng(options.seed, kSplitStream);
  std::vector<int> fold_of(np + nq);
  long dealt = 0;
  for (auto [begin, count] : {std::pair<long, long>{0, np}, {np, nq}}) {
    std::vector<long> idx(count);
    for (long j = 0; j < count; ++j) idx[j] = begin + j;
    for (long j = count - 1; j > 0; --j) std::swap(idx[j], idx[split_rng.below(j + 1)]);
    for (long j : idx) fold_of[j] = static_cast<int>(dealt++ % k);
  }

  C2stResult result;
  result.fold_accuracies.assign(k, 0.0);
  std::vector<std::exception_ptr> failures(k);
#pragma omp parallel for schedule(dynamic, 1)
  for (int f = 0; f < k; ++f) {
    try {
      std::vector<long> train, test;
      for (long j = 0; j < np + nq; ++j) (fold_of[j] == f ? test : train).push_back(j);
      core::Rng rng(options.seed, kFirstFoldStream + static_cast<std::uint64_t>(f));
      result.fold_accuracies[f] = train_and_score(x, y, train, test, options, &rng);
    } catch (...) {
      failures[f] = std::current_exception();
    }
  }
  for (const auto& e : failures)
    if (e) std::rethrow_exception(e);

  double sum = 0.0;
  for (double a : result.fold_accuracies) sum += a;
  result.accuracy = sum / k;
  result.seconds = clock.seconds();
  return result;
}

}  // namespace sbi
