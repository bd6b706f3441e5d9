// model.h5: everything needed to use a trained PosteriorModel again.
//
//   /                          attrs: format = "sbi-toolkit model", format_version,
//                              estimator, embedding, parameter_names, data_names,
//                              prior (spec string, absent when unrestricted), target = "x"
//                              for a likelihood model (sbi/posterior_model.h's ModelTarget;
//                              absent: a posterior), theta_coordinates = "unbounded" for a
//                              model whose density is of the prior's support transform of
//                              theta (sbi train --unbounded-theta; absent: of theta), provenance
//   /density/hyperparameters   group whose attributes are the density's hyperparameters
//   /embedding/hyperparameters group whose attributes are the embedding's hyperparameters
//   /weights/<parameter name>  one dataset per trainable tensor
//   /normalization/{theta_mean, theta_std, x_mean, x_std}
//   /normalization/x_mask      only for a model trained with a mask (sbi/x_mask.h): uint8, 1 =
//                              pixel used, of the shape of one x ((H, W), (C, H, W) or (D,));
//                              attrs source (the mask file), pixels_used, pixels_total
//   /history/{epoch, train_loss, validation_loss, seconds}  + attrs stop_reason, best_epoch
//   an ensemble of K members (PosteriorModel::other_members): the above is member 1, root attr
//   ensemble_size = K, and member k = 2..K is kept in
//   /ensemble/member_k/{density,embedding}/hyperparameters, weights/, normalization/ with attrs
//   estimator, embedding and its training's epochs, best_epoch, best_validation_loss, stop_reason
#pragma once

#include <string>

#include "io/provenance.h"
#include "sbi/posterior_model.h"
#include "sbi/trainer.h"

namespace sbi {

// Version of the layout above; loading a file with a newer version is refused.
// 6: unbounded theta; 5: an ensemble; 4: target = "x" (a likelihood model); 3: /normalization/x_mask; 2: hyperparameters typed (int64, uint64 seeds, enums by name);
// 1: all float64, still read. A model without a mask is written as version 2, which it is
// exactly, so older programs keep reading it; one with a mask as 3 and a likelihood model as 4,
// so that a program that would ignore the mask or take the likelihood for a posterior refuses
// the file instead; an ensemble as 5 (an older program would read member 1 alone); unbounded
// theta as 6 (an older program would take the density for one of theta).
constexpr std::int64_t kModelFormatVersion = 6;

// Writes the layout above into an open file (for io::OutputFiles::write_hdf5). summary is
// member 1's training; other_summaries, when given, those of the other members in order.
void write_model(io::H5File& f, PosteriorModel& model, const TrainSummary& summary,
                 const io::Provenance& provenance, const std::vector<TrainSummary>& other_summaries = {});

// Writes one model file by the rules of io/output_files.h (temporary file, checked, renamed).
void save_model(const std::string& path, PosteriorModel& model, const TrainSummary& summary,
                const io::Provenance& provenance);

// Throws core::Error if the file is missing, not a model file, or from a newer format, or if
// its weights or normalisation hold NaN or Inf (naming the dataset and element).
PosteriorModel load_model(const std::string& path, TrainSummary* summary = nullptr);

// Throws core::Error unless the model read from `path` is of `expected`: a posterior (sbi
// sample, map, diagnose) or a likelihood (sbi emulate), saying which command takes the other.
void check_model_target(const PosteriorModel& model, ModelTarget expected, const std::string& path);

}  // namespace sbi
