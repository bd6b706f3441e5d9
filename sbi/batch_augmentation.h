// Data augmentation by the exact symmetries of the simulator (simulators/symmetry.h): every
// training pair is replaced by its image under an element of the group drawn uniformly (the
// identity included), afresh in every batch, so that the network sees |G| times as many
// distinct pairs and cannot learn the training images themselves. Acts on the pairs in the
// flow's coordinates: θ is taken back to its own units (the maps wrap angles), through the
// support transform too for a model with unbounded θ, mapped, and brought back; x is
// permuted, which commutes with per-channel standardisation. Like BatchNoise, its stream is
// reseeded every epoch (resumed runs draw the same elements) and each data-parallel
// replica has its own.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <Eigen/Core>

#include "core/rng.h"
#include "sbi/standardizer.h"
#include "sbi/support_transform.h"
#include "simulators/symmetry.h"

namespace sbi {

class BatchAugmentation {
 public:
  BatchAugmentation() = default;  // none: apply() does nothing
  // The group's non-identity elements; θ's coordinates in training are
  // theta_norm(unbounding(θ)) (PosteriorModel::density_coordinates; no unbounding: θ's).
  BatchAugmentation(std::vector<simulators::Symmetry> group, const Standardizer& theta_norm,
                    std::optional<SupportTransform> unbounding, std::uint64_t seed);

  bool enabled() const { return group_ != nullptr; }
  int group_order() const { return enabled() ? static_cast<int>(group_->size()) + 1 : 1; }
  BatchAugmentation for_replica(int replica) const;
  void begin_epoch(int epoch) { rng_ = core::Rng(seed_, kStream + static_cast<std::uint64_t>(epoch)); }
  // Each column pair of the batch (standardised θ and x) by an element drawn for it.
  void apply(Eigen::MatrixXd* theta, Eigen::MatrixXd* x);

 private:
  static constexpr std::uint64_t kStream = 0xA6E00000;
  std::shared_ptr<const std::vector<simulators::Symmetry>> group_;
  Eigen::VectorXd mean_, std_;  // of θ (of unbounding(θ) with one)
  std::optional<SupportTransform> unbounding_;
  std::uint64_t seed_ = 0;
  core::Rng rng_{0};
  Eigen::VectorXd x_copy_, theta_raw_;
};

}  // namespace sbi
