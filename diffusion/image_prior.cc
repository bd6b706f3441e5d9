#include "diffusion/image_prior.h"

#include <algorithm>
#include <string>
#include <utility>

#include "core/error.h"

namespace sbi::diffusion {

bool PosteriorSamplingOptions::is_valid(std::string* error) const { return sde.is_valid(error); }

ImagePrior::ImagePrior(PcaBasis basis, ScoreModel score, core::DataShape shape)
    : basis_(std::move(basis)), score_(std::move(score)), shape_(shape) {
  basis_.check("ImagePrior");
  const ScoreModelOptions& o = score_.options();
  core::check(o.theta_dim == basis_.size() && o.context_dim == 0,
              "ImagePrior: the score model is of " + std::to_string(o.theta_dim) + " values with " +
                  std::to_string(o.context_dim) + " context entries; the basis has " +
                  std::to_string(basis_.size()) + " coefficients and a prior has no context");
  core::check(o.schedule.is_sde(), "ImagePrior: the score model's path must be an SDE's (vp, subvp or ve)");
  core::check(shape_.flat_dim() == basis_.dim(),
              "ImagePrior: " + shape_.describe() + " is not of the basis' " +
                  std::to_string(basis_.dim()) + " pixels");
}

Matrix ImagePrior::sample(Eigen::Index n, core::Rng* rng) const {
  core::check(n >= 1, "ImagePrior::sample: n must be >= 1");
  return basis_.decode(score_.sample(Matrix(0, n), rng, nullptr));
}

Matrix ImagePrior::posterior_sample(const LinearObservation& pixels, const PosteriorSamplingOptions& options,
                                    Eigen::Index n, core::Rng* rng) const {
  core::check_valid(options, "ImagePrior::posterior_sample");
  core::check(n >= 1, "ImagePrior::posterior_sample: n must be >= 1");
  pixels.check();
  const LinearObservation coefficients = basis_.in_coefficients(pixels);
  const DiffusionPrior prior = score_.as_prior(Matrix(0, 1));
  const double base_std = score_.schedule().base_std();
  Matrix w(basis_.size(), n);
  for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = base_std * rng->normal();
  constexpr Eigen::Index kChunk = 256;
  const Eigen::Index chunks = (n + kChunk - 1) / kChunk;
  const std::uint64_t chunk_seed = rng->next_u64();
  // One guided predictor per chunk: a predictor keeps per-call state and is not shared.
#pragma omp parallel for schedule(dynamic, 1) if (chunks > 1)
  for (Eigen::Index k = 0; k < chunks; ++k) {
    const Eigen::Index start = k * kChunk, len = std::min(kChunk, n - start);
    core::Rng chunk_rng(chunk_seed, static_cast<std::uint64_t>(k));
    const NoisePredictor guided = guided_noise_predictor(prior, coefficients, options.guidance);
    w.middleCols(start, len) =
        reverse_sde_sample(prior.schedule, guided, w.middleCols(start, len), options.sde, &chunk_rng);
  }
  return basis_.decode(w);
}

}  // namespace sbi::diffusion
