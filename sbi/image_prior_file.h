// prior.h5: a trained diffusion prior over images (sbi prior train; diffusion/image_prior.h).
//
//   /                          attrs: format = "sbi-toolkit image prior", format_version 1,
//                              the images' shape attributes (io/data_shape_attributes.h),
//                              retained_variance (the basis' share of the training images'
//                              variance), data_file, provenance
//   /pca/mean (D,), /pca/components (K, D) (row k: the k-th principal direction, in the
//   images' flattened pixel order), /pca/variances (K,), attr /pca total_variance
//   /score/hyperparameters     the score model's (diffusion::ScoreModelOptions)
//   /weights/<parameter name>  the score model's weights
//   /history                   as model.h5 (sbi/network_file_parts.h), term "denoising"
#pragma once

#include <string>

#include "diffusion/image_prior.h"
#include "io/h5_file.h"
#include "io/provenance.h"
#include "sbi/trainer.h"

namespace sbi {

constexpr std::int64_t kImagePriorFormatVersion = 1;

void write_image_prior(io::H5File& f, diffusion::ImagePrior& prior, const TrainSummary& summary,
                       const io::Provenance& provenance, const std::string& data_file);

// Throws core::Error if the file is missing, not an image prior, from a newer format, or
// damaged (a missing or non-finite dataset, a basis that is not orthonormal, weights that do
// not fit the hyperparameters).
diffusion::ImagePrior load_image_prior(const std::string& path);

}  // namespace sbi
