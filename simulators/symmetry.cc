#include "simulators/symmetry.h"

#include <cmath>

#include "core/error.h"

namespace sbi::simulators {

std::vector<long> rotate_quarter_turn(int n) {
  // The rotated image at pixel (r, c) is the image at the pixel the inverse rotation
  // (u, v) -> (v, -u) takes it to, with u = c - h, v = r - h, h = (n - 1) / 2: row n - 1 - c,
  // column r.
  std::vector<long> from(static_cast<size_t>(n) * n);
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) from[static_cast<size_t>(r) * n + c] = static_cast<long>(n - 1 - c) * n + r;
  return from;
}

std::vector<long> reflect_y(int n) {
  std::vector<long> from(static_cast<size_t>(n) * n);
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) from[static_cast<size_t>(r) * n + c] = static_cast<long>(n - 1 - r) * n + c;
  return from;
}

namespace {

// a then b: x_b[i] = x_a[b[i]] = x[a[b[i]]].
std::vector<long> then(const std::vector<long>& a, const std::vector<long>& b) {
  std::vector<long> out(b.size());
  for (size_t i = 0; i < b.size(); ++i) out[i] = a[static_cast<size_t>(b[i])];
  return out;
}

// A position angle modulo π, in [0, π).
double wrap_pi(double angle) {
  const double wrapped = std::fmod(angle, M_PI);
  return wrapped < 0 ? wrapped + M_PI : wrapped;
}

// The lensing task's θ (simulators/lensing.h): 2 phi, 3 gamma1, 4 gamma2, 5 src_x, 6 src_y,
// 10 src_phi change; the others are invariant.
void lensing_quarter_turn(Eigen::Ref<Eigen::VectorXd> t) {
  t[2] = wrap_pi(t[2] + M_PI / 2);
  t[10] = wrap_pi(t[10] + M_PI / 2);
  t[3] = -t[3];  // γ e^{2iφ}: φ + π/2 multiplies it by e^{iπ} = -1
  t[4] = -t[4];
  const double x = t[5];
  t[5] = -t[6];  // (x, y) -> (-y, x)
  t[6] = x;
}

void lensing_reflect_y(Eigen::Ref<Eigen::VectorXd> t) {
  t[2] = wrap_pi(-t[2]);
  t[10] = wrap_pi(-t[10]);
  t[4] = -t[4];  // γ2 multiplies xy
  t[6] = -t[6];
}

std::vector<Symmetry> lensing_d4(const core::DataShape& shape) {
  core::check(shape.is_image() && shape.channels == 1 && shape.height == shape.width,
              "symmetries lensing_d4: act on square one-channel images, not " + shape.describe());
  const int n = shape.height;
  const std::vector<long> identity = [&] {
    std::vector<long> id(static_cast<size_t>(n) * n);
    for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<long>(i);
    return id;
  }();
  std::vector<Symmetry> group;
  for (int reflected = 0; reflected < 2; ++reflected) {
    std::vector<long> from = reflected ? reflect_y(n) : identity;
    for (int quarter_turns = 0; quarter_turns < 4; ++quarter_turns) {
      if (reflected || quarter_turns > 0) {
        Symmetry s;
        s.name = (reflected ? std::string("reflect y, then ") : std::string()) + "rotate " +
                 std::to_string(90 * quarter_turns) + " degrees";
        s.x_from = from;
        s.map_theta = [reflected, quarter_turns](Eigen::Ref<Eigen::VectorXd> t) {
          if (reflected) lensing_reflect_y(t);
          for (int k = 0; k < quarter_turns; ++k) lensing_quarter_turn(t);
        };
        group.push_back(std::move(s));
      }
      from = then(from, rotate_quarter_turn(n));
    }
  }
  return group;
}

}  // namespace

std::vector<Symmetry> symmetry_group(const std::string& name, const core::DataShape& x_shape) {
  if (name == "lensing_d4") return lensing_d4(x_shape);
  throw core::Error("unknown symmetry group '" + name + "' (known: lensing_d4)");
}

}  // namespace sbi::simulators
