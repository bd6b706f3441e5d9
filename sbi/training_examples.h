// The training examples an objective draws its batches from: standardised (target, condition)
// pairs numbered 0 .. size() - 1, held in memory (InMemoryExamples) or read from a file a
// chunk at a time as the batches ask for them (sbi/streamed_examples.h).
#pragma once

#include <utility>
#include <vector>

#include <Eigen/Core>

#include "sbi/objective.h"

namespace sbi {

class TrainingExamples {
 public:
  virtual ~TrainingExamples() = default;
  virtual long size() const = 0;
  // The examples `batch` as columns of *target and *condition (resized). Called from several
  // threads at once by data-parallel training.
  virtual void gather(const std::vector<long>& batch, Eigen::MatrixXd* target, Eigen::MatrixXd* condition) = 0;
};

class InMemoryExamples : public TrainingExamples {
 public:
  InMemoryExamples(Eigen::MatrixXd target, Eigen::MatrixXd condition)
      : target_(std::move(target)), condition_(std::move(condition)) {}
  long size() const override { return target_.cols(); }
  void gather(const std::vector<long>& batch, Eigen::MatrixXd* target, Eigen::MatrixXd* condition) override {
    gather_columns(target_, batch, target);
    gather_columns(condition_, batch, condition);
  }

 private:
  const Eigen::MatrixXd target_, condition_;
};

}  // namespace sbi
