// The parts every network file of the toolkit shares (model.h5 of sbi/model_file.h, vae.h5
// of vae/vae_file.h): typed hyperparameters as attributes, weights one dataset per
// parameter, checked normalisation statistics, and the training history of sbi::fit.
#pragma once

#include <string>

#include "core/hyperparameters.h"
#include "io/h5_file.h"
#include "nn/parameter.h"
#include "sbi/standardizer.h"
#include "sbi/trainer.h"

namespace sbi {

// Each hyperparameter is an attribute of `group` of its own type: int64, uint64 (seeds),
// float64, or a string (enums by name). Format version 1 of model files wrote every one as
// float64; read_hyperparameters reads either. `owner` names the network in errors.
void write_hyperparameters(io::H5File& f, const std::string& group, const core::Hyperparameters& h);
core::Hyperparameters read_hyperparameters(const io::H5File& f, const std::string& group,
                                           const std::string& owner);

// ROOT/weights/<name> for every parameter (root: "/" or a group path ending in "/", as an
// ensemble member's "/ensemble/member_2/").
void write_weights(io::H5File& f, const nn::Parameters& params, const std::string& root = "/");
// Reads ROOT/weights/<name> into every parameter; throws core::Error naming `path` and the
// weights for a missing dataset, a wrong shape or a NaN / Inf (naming its position).
void read_weights(const io::H5File& f, const std::string& path, const nn::Parameters& params,
                  const std::string& root = "/");

// Refuses a NaN or Inf in what a loader read: weights (D x N in memory, named in the file's
// (N, D) order: row = memory column) or a vector (by index).
void check_finite_weights(const std::string& path, const std::string& dataset,
                          const Eigen::MatrixXd& value, bool is_vector);

// ROOT/normalization/<quantity>_mean and _std: finite, and standard deviations > 0.
Standardizer checked_normalization(const io::H5File& f, const std::string& path,
                                   const std::string& quantity, const std::string& root = "/");

// /history: per-epoch losses and seconds, every loss term as train_<term> and
// validation_<term>, and the summary's attributes (stop reason, best epoch, ...).
void write_training_history(io::H5File& f, const TrainSummary& summary);

}  // namespace sbi
