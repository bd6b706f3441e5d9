// The one interface every conditional density model implements: RealNVP, spline flows,
// continuous flows and score models. NPE training, posterior sampling, MAP and the
// diagnostics are written once against it and never special-case an estimator.
//
// Shapes: theta is theta_dim x N and context is context_dim x N (one sample per column);
// column j of theta is paired with column j of context.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/hyperparameters.h"
#include "core/rng.h"
#include "nn/matrix.h"
#include "nn/parameter.h"

namespace sbi::flows {

using nn::Matrix;
using nn::Vector;

// Architecture of a model as named numbers, enough to rebuild it before loading weights.
using Hyperparameters = core::Hyperparameters;  // typed: integers, seeds, enums by name

class ConditionalDensity {
 public:
  virtual ~ConditionalDensity() = default;

  virtual std::string kind() const = 0;  // "realnvp", ...
  virtual int theta_dim() const = 0;
  virtual int context_dim() const = 0;
  virtual Hyperparameters hyperparameters() const = 0;

  // log q(theta_j | context_j) for each column. Thread-safe.
  virtual Vector log_prob(const Matrix& theta, const Matrix& context) const = 0;

  // One draw theta_j ~ q(. | context_j) per column of context and, unless log_prob is
  // null, log q(theta_j | context_j) of each draw (computed in the same pass). Thread-safe.
  virtual Matrix sample(const Matrix& context, core::Rng* rng, Vector* log_prob) const = 0;

  // Training objective on a batch: returns -mean_j log q(theta_j | context_j), adds its
  // gradient with respect to the parameters into their gradient buffers, and writes its
  // gradient with respect to the context into grad_context unless null.
  virtual double loss_and_gradient(const Matrix& theta, const Matrix& context,
                                   Matrix* grad_context) = 0;

  // The number early stopping watches on held-out pairs; lower is better. Defaults to
  // -mean log q. Models whose training loss is not a likelihood (flow matching, score
  // matching) may return their own loss instead, evaluated deterministically.
  virtual double validation_loss(const Matrix& theta, const Matrix& context) const {
    return -log_prob(theta, context).mean();
  }

  // log q(theta_j | context_j) and, unless null, d log q / d theta (theta_dim x N).
  // Leaves the parameter gradient buffers untouched.
  virtual Vector log_prob_and_gradient(const Matrix& theta, const Matrix& context,
                                       Matrix* grad_theta) = 0;

  // Training on a function of log q (SNPE-C's atomic loss, sbi/atomic_npe.h) in two steps:
  // train_log_prob returns log q(theta_j | context_j) and keeps the pass for
  // add_log_prob_gradient, which adds the gradient of sum_j weights_j log q_j to the
  // parameters' gradient buffers and writes its gradient with respect to the context into
  // grad_context (unless null). Densities without a cheap exact log q (the CNF, score models)
  // throw core::Error.
  virtual Vector train_log_prob(const Matrix& theta, const Matrix& context);
  virtual void add_log_prob_gradient(const Vector& weights, Matrix* grad_context);

  // The trainable parameters (borrowed pointers into the model).
  virtual nn::Parameters parameters() = 0;
  // The arithmetic of the training passes (coupling flows may train in float, nn/mlp.h);
  // the optimiser's step follows it (sbi/objective.h).
  virtual nn::Precision training_precision() const { return nn::Precision::kFloat64; }

  // The state of the random stream training draws from (Cnf, ScoreModel: times and noise),
  // for checkpoints (a core::Rng state vector); empty for densities whose training draws nothing.
  virtual std::vector<std::uint64_t> random_state() const { return {}; }
  virtual void set_random_state(const std::vector<std::uint64_t>& /*state*/) {}

 protected:
  // Throws core::Error("<owner>::<function>: ...") unless context has context_dim() rows
  // and theta (when not null) has theta_dim() rows and as many columns as context.
  void check_shapes(const std::string& owner, const char* function, const Matrix* theta,
                    const Matrix& context) const;
};

}  // namespace sbi::flows
