#include "sbi/image_prior_training.h"

#include <string>
#include <utility>

#include "core/error.h"
#include "sbi/objective.h"

namespace sbi {
namespace {

using diffusion::ScoreModel;

// Denoising score matching of the coefficients, no context: one term, "denoising".
class ImagePriorObjective : public Objective {
 public:
  ImagePriorObjective(ScoreModel* score, Eigen::MatrixXd train, Eigen::MatrixXd validation)
      : score_(score), train_(std::move(train)), validation_(std::move(validation)) {}

  std::vector<std::string> term_names() const override { return {"denoising"}; }
  long num_train() const override { return train_.cols(); }
  nn::Parameters parameters() override { return score_->parameters(); }
  double loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms) override {
    gather_columns(train_, batch, &batch_);
    const double loss = score_->loss_and_gradient(batch_, Eigen::MatrixXd(0, batch_.cols()), nullptr);
    terms->assign(1, loss);
    return loss;
  }
  std::vector<std::uint64_t> carried_state() const override { return score_->random_state(); }
  void set_carried_state(const std::vector<std::uint64_t>& state) override { score_->set_random_state(state); }
  double validation_loss(std::vector<double>* terms) override {
    const double loss = score_->validation_loss(validation_, Eigen::MatrixXd(0, validation_.cols()));
    terms->assign(1, loss);
    return loss;
  }

 private:
  ScoreModel* score_;
  Eigen::MatrixXd train_, validation_, batch_;
};

}  // namespace

bool ImagePriorOptions::is_valid(std::string* error) const {
  if (max_components < 1)
    *error = "max_components = " + std::to_string(max_components) + " must be >= 1";
  else if (!(variance_fraction > 0 && variance_fraction <= 1))
    *error = "variance_fraction = " + std::to_string(variance_fraction) + " must be in (0, 1]";
  else if (!score.schedule.is_sde())
    *error = "the score model's path must be an SDE's (vp, subvp or ve), not ot";
  else
    return true;
  return false;
}

diffusion::ImagePrior train_image_prior(const Eigen::MatrixXd& x, const core::DataShape& shape,
                                        const ImagePriorOptions& options, const TrainOptions& train,
                                        TrainSummary* summary) {
  core::check_valid(options, "train_image_prior");
  core::check(shape.flat_dim() == x.rows(), "train_image_prior: " + shape.describe() + " but samples of " +
                                                std::to_string(x.rows()) + " values");
  core::check(x.allFinite(), "train_image_prior: the images have a NaN or infinite pixel");
  const TrainValidationSplit split = split_train_validation(x.cols(), train.validation_fraction, train.seed);
  Eigen::MatrixXd x_train, x_validation;
  gather_columns(x, split.train, &x_train);
  gather_columns(x, split.validation, &x_validation);
  diffusion::PcaBasis basis = diffusion::PcaBasis::fit(x_train, options.max_components, options.variance_fraction);
  diffusion::ScoreModelOptions score_options = options.score;
  score_options.theta_dim = basis.size();
  score_options.context_dim = 0;
  ScoreModel score(score_options);
  ImagePriorObjective objective(&score, basis.encode(x_train), basis.encode(x_validation));
  summary->num_validation = static_cast<long>(split.validation.size());
  fit(train, &objective, summary);
  return diffusion::ImagePrior(std::move(basis), std::move(score), shape);
}

}  // namespace sbi
