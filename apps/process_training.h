// Training across the ranks of an mpirun job (sbi train under mpirun): every rank reads the
// same data and builds the same model, computes its part of every batch (on its threads'
// shards), and the parts' gradients are summed here: gathered from every rank and added in
// rank order, so every rank holds the same bits and takes the same optimiser step. A result
// is bitwise reproducible for a given number of ranks and shards per rank; K ranks of S
// shards give the bits of one process of K S shards.
#pragma once

#include "apps/process_group.h"
#include "sbi/objective.h"

namespace sbi::app {

class ProcessGradientReduction : public GradientReduction {
 public:
  explicit ProcessGradientReduction(const ProcessGroup& group) : group_(group) {}

  int part() const override { return group_.rank(); }
  int parts() const override { return group_.size(); }
  void sum(Eigen::VectorXd* values) override;
  // Throws JobFailure ("rank R: ...", the lowest failing rank's error) on every rank.
  void check_all(const std::string& my_error) override;
  std::vector<std::uint64_t> gather(const std::vector<std::uint64_t>& mine) override {
    return group_.all_gather(mine);
  }

 private:
  const ProcessGroup& group_;
};

}  // namespace sbi::app
