#include "vae/vae_trainer.h"

#include "core/error.h"
#include "vae/elbo_objective.h"

namespace sbi::vae {

VaeTrainResult train_vae(const TrainOptions& options, const BetaOptions& beta, const nn::Matrix& x,
                         Vae* vae) {
  core::check_valid(options, "train_vae");
  core::check(x.rows() == vae->x_dim(), "the training data have " + std::to_string(x.rows()) +
                                            " numbers per sample, the VAE " +
                                            std::to_string(vae->x_dim()));
  const TrainValidationSplit split = split_train_validation(x.cols(), options.validation_fraction, options.seed);
  const nn::Matrix x_train = x(Eigen::all, split.train);
  const nn::Matrix x_validation = x(Eigen::all, split.validation);
  vae->likelihood().check_data(x, "the training data");
  if (vae->likelihood().kind() == LikelihoodKind::kGaussian)
    vae->x_norm = Standardizer::fit(x_train, vae->x_shape(), {"x", {}});
  else
    vae->x_norm = Standardizer::identity(vae->x_dim());
  BetaControl control(beta);
  ElboObjective objective(vae, &control, vae->to_network(x_train, "the training data"),
                          vae->to_network(x_validation, "the validation data"), options.seed);
  VaeTrainResult result;
  result.summary.num_validation = static_cast<long>(split.validation.size());
  fit(options, &objective, &result.summary);
  result.betas = objective.betas();
  result.betas.resize(static_cast<size_t>(result.summary.epochs));
  return result;
}

}  // namespace sbi::vae
