// Classifier two-sample test (C2ST; Lopez-Paz & Oquab 2017) as the sbibm benchmark
// defines it (Lueckmann et al. 2021, sbibm/metrics/c2st.py): train a classifier to tell
// sample P from sample Q and report its held-out accuracy. 0.5 means the classifier
// cannot tell them apart; 1 means they are perfectly separable.
//
// Recipe (sbibm with scikit-learn's MLPClassifier defaults):
//   - z-score P and Q with the mean and (N-1) standard deviation of P; a constant
//     dimension of P keeps std = 1 (see sbi/standardizer.h);
//   - label P 0 and Q 1;
//   - classifier: MLP D -> 10D -> 10D -> 1 logit, ReLU, Glorot-uniform init, binary
//     cross-entropy plus alpha/2 ||W||^2 / batch (weights only, not biases), Adam,
//     minibatches of min(200, n) reshuffled every epoch; training stops once the epoch
//     training loss has failed to improve on its best by tol for more than `patience`
//     consecutive epochs, or after max_epochs;
//   - k-fold cross-validation over shuffled folds stratified by label; result = mean of
//     the per-fold accuracies (predict Q when the logit is > 0).
//
// Differences from sbibm, all deliberate: sbibm uses max_iter = 10000 (we default to
// 1000; with tol = 1e-4 training stops long before either) and plain shuffled KFold
// (stratified folds keep each fold's class balance, removing one source of noise).
// Random streams are ours (core::Rng), so numbers match sbibm statistically, not bit for bit.
//
// Folds run in parallel (OpenMP), one classifier each; fold k draws only from
// Rng(seed, 1 + k), so the result does not depend on the number of threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace sbi {

struct C2stOptions {
  int folds = 5;                // cross-validation folds (>= 2)
  std::uint64_t seed = 1;       // fold assignment, initial weights, minibatch order
  int max_epochs = 1000;        // sklearn max_iter (passes over the training folds)
  int patience = 10;            // sklearn n_iter_no_change
  double tol = 1e-4;            // sklearn tol: required decrease of the epoch training loss
  double learning_rate = 1e-3;  // sklearn learning_rate_init (Adam)
  int batch_size = 200;         // minibatch size; clipped to the training-set size
  double l2 = 1e-4;             // sklearn alpha: L2 penalty on weights
  int hidden_factor = 10;       // hidden layers are hidden_factor * D wide

  // False, with `*error` naming the field, its value and the rule, if any field is invalid.
  bool is_valid(std::string* error) const;
};

struct C2stResult {
  double accuracy = -1.0;               // mean of fold_accuracies; -1 = not run
  std::vector<double> fold_accuracies;  // held-out accuracy of each fold's classifier
  double seconds = 0.0;                 // wall time of the whole test
};

// p: D x Np, q: D x Nq, one sample per column (P is the reference: it sets the z-score).
// Throws core::Error on invalid options, different D, non-finite entries, or fewer
// than `folds` samples in P or Q (each fold needs samples of both labels).
C2stResult c2st(const Eigen::MatrixXd& p, const Eigen::MatrixXd& q,
                const C2stOptions& options = {});

}  // namespace sbi
