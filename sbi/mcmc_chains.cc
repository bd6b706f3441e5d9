#include "sbi/mcmc_chains.h"

#include <string>

#include "core/error.h"

namespace sbi {

std::vector<Eigen::VectorXd> coordinate_chains(const McmcChains& chains, Eigen::Index d) {
  std::vector<Eigen::VectorXd> out;
  for (const Eigen::MatrixXd& c : chains.draws) {
    core::check(d >= 0 && d < c.rows(), "coordinate_chains: no coordinate " + std::to_string(d));
    out.push_back(c.row(d).transpose());
  }
  return out;
}

}  // namespace sbi
