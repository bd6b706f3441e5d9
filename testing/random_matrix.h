// Test data: a matrix of independent standard-normal draws from core::Rng(seed), filled in
// memory order (column by column), so a test's numbers depend on the seed alone.
#pragma once

#include <cstdint>

#include <Eigen/Core>

#include "core/rng.h"

namespace sbi::testing {

inline Eigen::MatrixXd standard_normal_matrix(long rows, long cols, std::uint64_t seed) {
  core::Rng rng(seed);
  Eigen::MatrixXd m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.normal();
  return m;
}

}  // namespace sbi::testing
