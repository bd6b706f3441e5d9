#include "apps/process_training.h"

namespace sbi::app {

void ProcessGradientReduction::sum(Eigen::VectorXd* values) {
  const Eigen::Index n = values->size();
  // A gather and an ordered sum rather than MPI_Allreduce, whose order of addition MPI does
  // not fix: the bits must not depend on the MPI library or the network.
  const std::vector<double> all = group_.all_gather(std::vector<double>(values->data(), values->data() + n));
  *values = Eigen::Map<const Eigen::VectorXd>(all.data(), n);
  for (int r = 1; r < group_.size(); ++r) *values += Eigen::Map<const Eigen::VectorXd>(all.data() + r * n, n);
}

void ProcessGradientReduction::check_all(const std::string& my_error) {
  const std::string failure = group_.first_failure(my_error);
  if (!failure.empty()) throw JobFailure(failure);
}

}  // namespace sbi::app
