#include "simulators/simulator.h"

#include "core/error.h"

namespace sbi::simulators {
namespace {

std::vector<std::string> numbered(const std::string& stem, int n) {
  std::vector<std::string> names;
  for (int j = 0; j < n; ++j) names.push_back(stem + std::to_string(j));
  return names;
}

}  // namespace

std::vector<std::string> Simulator::parameter_names() const {
  return numbered("theta_", theta_dim());
}

std::vector<std::string> Simulator::data_names() const { return numbered("x_", x_dim()); }

void check_simulate_args(const Simulator& sim, const Eigen::Ref<const Eigen::VectorXd>& theta,
                         const core::Rng* rng, const Eigen::Ref<Eigen::VectorXd>& x,
                         const char* function) {
  const std::string where = std::string(function) + ": ";
  core::check(theta.size() == sim.theta_dim(), where + "theta has " + std::to_string(theta.size()) +
                                                   " entries, expected " +
                                                   std::to_string(sim.theta_dim()));
  core::check(x.size() == sim.x_dim(), where + "x has " + std::to_string(x.size()) +
                                           " entries, expected " + std::to_string(sim.x_dim()));
  core::check(rng != nullptr, where + "rng is null");
}

}  // namespace sbi::simulators
