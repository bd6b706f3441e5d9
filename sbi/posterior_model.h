// A trained neural posterior estimate q(theta | x): a conditional density model on
// standardised theta, conditioned on the embedding of standardised x, plus what is needed
// to use it on raw inputs (normalisation, prior, names). Written once against the
// ConditionalDensity interface: any estimator plugs in.
//
// The density's coordinates are z = theta_norm(T(theta)), with T the identity or, for a model
// with unbounded theta (sbi train --unbounded-theta), the prior's support transform
// (sbi/support_transform.h: logit of each bounded marginal, log of a lognormal one). Then
// q(theta | x) = q_z(z | x) |dz/dtheta| is zero outside the prior's support by construction:
// no mass leaks out to be rejected, and a posterior piled against a bound (an axis ratio near
// 1) is not smeared inwards by a density that must fall off smoothly across the bound.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/prior.h"
#include "flows/conditional_density.h"
#include "nn/embedding.h"
#include "sbi/model_options.h"
#include "sbi/standardizer.h"
#include "sbi/support_transform.h"

namespace sbi {

// What a model's density is of. kTheta: the posterior q(θ | x) (NPE). kX: the likelihood
// q(x | θ) (neural likelihood estimation, an emulator of the simulator, `sbi train --target
// x`); then the model's "theta" side (density, theta_norm, parameter_names) holds the data x
// and its "x" side (embedding, x_norm, data_names) the parameters θ it is conditioned on.
enum class ModelTarget { kTheta, kX };

class PosteriorModel {
 public:
  PosteriorModel() = default;
  PosteriorModel(PosteriorModel&&) = default;
  PosteriorModel& operator=(PosteriorModel&&) = default;

  // A fresh, untrained model for theta_dim parameters and x_dim data. For set data, x_shape
  // describes x (its flat_dim() must equal x_dim): the embedding "deepsets" needs it, and
  // training then standardises x per feature (Standardizer::fit with tying).
  static PosteriorModel create(const ModelOptions& options, int theta_dim, int x_dim,
                               const core::DataShape& x_shape = {});

  int theta_dim() const { return density->theta_dim(); }
  int x_dim() const { return embedding->in_dim(); }

  // log q(theta_j | x_j) in the original units (z-scoring Jacobian included). theta is
  // theta_dim x N, x is x_dim x N or x_dim x 1 (broadcast). Thread-safe.
  Eigen::VectorXd log_prob(const Eigen::MatrixXd& theta, const Eigen::MatrixXd& x) const;

  // log q and d log q / d theta for a single observation x (x_dim).
  Eigen::VectorXd log_prob_and_gradient(const Eigen::MatrixXd& theta, const Eigen::VectorXd& x,
                                        Eigen::MatrixXd* grad_theta);

  // n unrestricted draws from q(theta | x) in the original units (no prior rejection) and,
  // unless null, log q of each draw. Throws core::Error (blaming the model, see
  // check_draws) rather than returning a NaN or Inf draw or log q.
  Eigen::MatrixXd draw(long n, const Eigen::VectorXd& x, core::Rng* rng,
                       Eigen::VectorXd* log_prob = nullptr) const;

  // The density's coordinates z = theta_norm(T(theta)) of the columns of theta (see the top),
  // and T(theta) alone (theta itself without unbounding). Training uses these; for a model
  // with unbounded theta every column must lie in the prior's support (Throws core::Error
  // naming the first that does not).
  Eigen::MatrixXd density_coordinates(const Eigen::MatrixXd& theta) const;
  Eigen::MatrixXd unbounded(const Eigen::MatrixXd& theta) const;
  // log |dtheta/dz| at each column of theta: a density of theta plus this is the same density
  // in the density's coordinates (balanced and atomic NPE compare q_z with the prior's).
  Eigen::VectorXd log_abs_det_density_to_theta(const Eigen::MatrixXd& theta) const;
  // Makes the density model T(theta) for T the support transform of `prior` (which the model
  // keeps); before training. Throws core::Error for a likelihood model or a prior of another
  // dimension.
  void set_unbounded_theta(const core::Prior& prior);
  bool has_unbounded_theta() const { return theta_unbounding.has_value(); }

  // Context of standardised observations: embedding(x_norm(x)).
  Eigen::MatrixXd context(const Eigen::MatrixXd& x) const;

  // Checks an observation: right dimension, finite (where the mask uses it: a masked pixel
  // may hold anything, NaN included). Throws core::Error naming `what`.
  void check_observation(const Eigen::MatrixXd& x, const std::string& what) const;

  // Makes the model ignore the dimensions of x where `mask` is false (sbi/x_mask.h): before
  // training, which keeps the mask in x_norm (left out of the statistics), and from then on
  // for every x the model conditions on (x_norm.apply maps masked dimensions to 0). `source`
  // names where the mask came from, for the model file. Throws core::Error for set data, a
  // mask of another size than x_dim() or one without a used dimension.
  void set_x_mask(const Standardizer::Mask& mask, const std::string& source);

  // Throws core::Error naming the first draw (and parameter) that is NaN or Inf, in theta or
  // (unless null) in log q: for a finite observation x that is a damaged or diverged model.
  void check_draws(const Eigen::MatrixXd& theta, const Eigen::VectorXd* log_prob,
                   const Eigen::VectorXd& x) const;

  std::unique_ptr<flows::ConditionalDensity> density;
  std::unique_ptr<nn::Embedding> embedding;
  Standardizer theta_norm, x_norm;  // x_norm.mask: the pixels of x used (empty: all)
  std::string x_mask_source;        // the file x_norm.mask was read from ("" without one)
  core::DataShape x_shape;                // set_size 0 unless x is a set of rows
  std::optional<core::Prior> prior;  // restricts sampling to its support when present
  std::optional<SupportTransform> theta_unbounding;  // T above, of `prior`; empty: the identity
  std::vector<std::string> parameter_names, data_names;
  ModelTarget target = ModelTarget::kTheta;
  bool is_likelihood() const { return target == ModelTarget::kX; }

  // An ensemble (sbi infer --ensemble K, sbi ensemble): the other K - 1 members, models of
  // the same target, dimensions and data shape trained with other seeds (each with its own
  // normalisation). The model's density is then their equal-weight mixture
  // q(θ | x) = (1/K) Σ_k q_k(θ | x) (Lakshminarayanan et al. 2017, "deep ensembles"; Hermans
  // et al. 2022 for simulation-based inference): log_prob, log_prob_and_gradient and draw
  // use it. density, embedding and the normalisation above are member 1's; the prior, the
  // names, the target, the shape and the mask are the ensemble's.
  std::vector<PosteriorModel> other_members;
  int ensemble_size() const { return 1 + static_cast<int>(other_members.size()); }

  // Makes `member` one more member of this ensemble; throws core::Error unless it has this
  // model's target, dimensions, data shape and mask, and is no ensemble itself.
  void add_member(PosteriorModel member);

  // All trainable parameters (of member 1): embedding's then density's.
  nn::Parameters parameters();

  // A model with copies of the density and the embedding (rebuilt from their
  // hyperparameters, same weights) and nothing else: a replica for data-parallel training.
  PosteriorModel copy_networks();

 private:
  // log q_1 (and its gradient) and draws of this member alone (the ensemble's are mixtures).
  Eigen::VectorXd member_log_prob(const Eigen::MatrixXd& theta, const Eigen::MatrixXd& x) const;
  Eigen::VectorXd member_log_prob_and_gradient(const Eigen::MatrixXd& theta, const Eigen::VectorXd& x,
                                               Eigen::MatrixXd* grad_theta);
  Eigen::MatrixXd member_draw(long n, const Eigen::VectorXd& x, core::Rng* rng, Eigen::VectorXd* log_prob) const;
  // With unbounded theta: the prior whose support T maps (throws core::Error if it was removed),
  // and log q = -inf (gradient 0, unless null) at the columns of theta outside that support.
  const core::Prior& unbounding_prior() const;
  void zero_outside_prior(const Eigen::MatrixXd& theta, Eigen::VectorXd* log_prob, Eigen::MatrixXd* grad_theta) const;
};

}  // namespace sbi
