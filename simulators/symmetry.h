// Exact symmetries of a simulator, for data augmentation in training (`sbi train
// --augment-symmetries`): a map g with θ ↦ g(θ) and a permutation of the entries of x such
// that (g(θ), permuted x) has the same joint distribution p(θ, x) as (θ, x): the prior is
// invariant under g and the simulator equivariant (simulating at g(θ) gives the permuted
// image of simulating at θ). Then every training pair can be replaced by its image under a
// random element of the group, which multiplies the distinct pairs a network sees by the
// group's order without a single new simulation.
//
// A simulator names its group (Simulator::symmetry_group, "" = none); simulation files record
// the name (the "symmetries" attribute), and symmetry_group() below rebuilds the elements for
// the file's x shape. Groups:
//   lensing_d4: the 8 symmetries of the square pixel grid (rotations by multiples of 90° about
//     the optical axis, and those after the reflection y -> -y), with their action on the
//     lensing task's θ (simulators/lensing.h): position angles rotate (mod π) or change sign,
//     the shear (a spin-2 quantity) changes sign under 90° and reflects with the grid, the
//     source position rotates or reflects; θ_E, q, sizes, index and amplitude are invariant.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "core/data_shape.h"

namespace sbi::simulators {

struct Symmetry {
  std::string name;
  // x'[i] = x[x_from[i]]: a permutation of 0 .. x_dim - 1.
  std::vector<long> x_from;
  // θ ↦ g(θ) in place, in the parameters' own units.
  std::function<void(Eigen::Ref<Eigen::VectorXd>)> map_theta;
};

// The non-identity elements of the group `name` for data of shape `x_shape` (the identity is
// implied). Throws core::Error for an unknown name or a shape the group does not act on.
std::vector<Symmetry> symmetry_group(const std::string& name, const core::DataShape& x_shape);

// The rotation by +90° (counter-clockwise, x -> y) and the reflection y -> -y of an n x n
// image flattened row-major with row index increasing with y, about the image centre: as
// x_from permutations.
std::vector<long> rotate_quarter_turn(int n);
std::vector<long> reflect_y(int n);

}  // namespace sbi::simulators
