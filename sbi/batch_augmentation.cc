#include "sbi/batch_augmentation.h"

#include "core/error.h"

namespace sbi {

BatchAugmentation::BatchAugmentation(std::vector<simulators::Symmetry> group, const Standardizer& theta_norm,
                                     std::optional<SupportTransform> unbounding, std::uint64_t seed)
    : mean_(theta_norm.mean),
      std_(theta_norm.std),
      unbounding_(std::move(unbounding)),
      seed_(seed),
      rng_(seed, kStream) {
  core::check(!group.empty(), "BatchAugmentation: the group has no element besides the identity");
  group_ = std::make_shared<const std::vector<simulators::Symmetry>>(std::move(group));
}

BatchAugmentation BatchAugmentation::for_replica(int replica) const {
  BatchAugmentation copy = *this;
  copy.seed_ = seed_ + 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(replica);
  copy.rng_ = core::Rng(copy.seed_, kStream);
  return copy;
}

void BatchAugmentation::apply(Eigen::MatrixXd* theta, Eigen::MatrixXd* x) {
  if (!enabled()) return;
  const std::uint64_t order = static_cast<std::uint64_t>(group_->size()) + 1;
  for (Eigen::Index j = 0; j < theta->cols(); ++j) {
    const std::uint64_t element = rng_.below(order);
    if (element == 0) continue;  // the identity
    const simulators::Symmetry& g = (*group_)[element - 1];
    core::check(static_cast<Eigen::Index>(g.x_from.size()) == x->rows(),
                "augmentation: symmetry '" + g.name + "' acts on x of " + std::to_string(g.x_from.size()) +
                    " entries, the data have " + std::to_string(x->rows()));
    x_copy_ = x->col(j);
    for (Eigen::Index i = 0; i < x->rows(); ++i) (*x)(i, j) = x_copy_[g.x_from[static_cast<size_t>(i)]];
    theta_raw_ = mean_ + std_.cwiseProduct(theta->col(j));
    if (unbounding_) theta_raw_ = unbounding_->to_theta(theta_raw_);
    g.map_theta(theta_raw_);
    if (unbounding_) theta_raw_ = unbounding_->to_unconstrained(theta_raw_);
    theta->col(j) = (theta_raw_ - mean_).cwiseQuotient(std_);
  }
}

}  // namespace sbi
