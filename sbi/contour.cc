#include "sbi/contour.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <unordered_map>

#include "core/error.h"

namespace sbi {

Eigen::MatrixXd histogram_2d(const Eigen::VectorXd& x, const Eigen::VectorXd& y, double x_lo,
                             double x_hi, double y_lo, double y_hi, int nx, int ny) {
  core::check(x.size() == y.size(), "histogram_2d: x and y differ in size");
  core::check(nx >= 1 && ny >= 1 && x_hi > x_lo && y_hi > y_lo, "histogram_2d: empty grid");
  Eigen::MatrixXd h = Eigen::MatrixXd::Zero(nx, ny);
  for (Eigen::Index k = 0; k < x.size(); ++k) {
    const double fx = (x[k] - x_lo) / (x_hi - x_lo) * nx, fy = (y[k] - y_lo) / (y_hi - y_lo) * ny;
    if (!(fx >= 0 && fx < nx && fy >= 0 && fy < ny)) continue;
    h(static_cast<int>(fx), static_cast<int>(fy)) += 1;
  }
  return h;
}

Eigen::MatrixXd gaussian_smooth(const Eigen::MatrixXd& grid, double sigma) {
  if (!(sigma > 0)) return grid;
  const int half = static_cast<int>(std::ceil(4 * sigma));
  Eigen::VectorXd kernel(2 * half + 1);
  for (int k = -half; k <= half; ++k) kernel[k + half] = std::exp(-0.5 * k * k / (sigma * sigma));
  kernel /= kernel.sum();
  auto smooth_rows = [&](const Eigen::MatrixXd& in) {  // along the first index
    Eigen::MatrixXd out = Eigen::MatrixXd::Zero(in.rows(), in.cols());
    for (Eigen::Index i = 0; i < in.rows(); ++i)
      for (int k = -half; k <= half; ++k) {
        const Eigen::Index src = i + k;
        if (src >= 0 && src < in.rows()) out.row(i) += kernel[k + half] * in.row(src);
      }
    return out;
  };
  const Eigen::MatrixXd a = smooth_rows(grid);
  return smooth_rows(a.transpose()).transpose();
}

std::vector<double> hpd_levels(const Eigen::MatrixXd& grid, const std::vector<double>& masses) {
  std::vector<double> v(grid.data(), grid.data() + grid.size());
  std::sort(v.begin(), v.end(), std::greater<double>());
  const double total = grid.sum();
  core::check(total > 0, "hpd_levels: the grid is empty");
  std::vector<double> levels;
  for (double m : masses) {
    core::check(m > 0 && m < 1, "hpd_levels: mass " + std::to_string(m) + " is not in (0, 1)");
    double cum = 0;
    double level = v.back();
    for (double value : v) {
      cum += value;
      if (cum >= m * total) {
        level = value;
        break;
      }
    }
    levels.push_back(level);
  }
  return levels;
}

std::vector<Eigen::Matrix2Xd> marching_squares(const Eigen::MatrixXd& f, const Eigen::VectorXd& xs,
                                               const Eigen::VectorXd& ys, double level) {
  const int nx = static_cast<int>(f.rows()), ny = static_cast<int>(f.cols());
  core::check(xs.size() == nx && ys.size() == ny, "marching_squares: coordinates do not match the grid");
  // Edge ids: horizontal edge (i, j)-(i+1, j) -> 2 (j nx + i); vertical (i, j)-(i, j+1) -> +1.
  auto h_edge = [&](int i, int j) { return 2L * (static_cast<long>(j) * nx + i); };
  auto v_edge = [&](int i, int j) { return 2L * (static_cast<long>(j) * nx + i) + 1; };
  auto point = [&](long edge) {
    const long base = edge / 2;
    const int i = static_cast<int>(base % nx), j = static_cast<int>(base / nx);
    const int i2 = (edge % 2 == 0) ? i + 1 : i, j2 = (edge % 2 == 0) ? j : j + 1;
    const double fa = f(i, j), fb = f(i2, j2);
    const double t = (fb != fa) ? std::clamp((level - fa) / (fb - fa), 0.0, 1.0) : 0.5;
    return Eigen::Vector2d(xs[i] + t * (xs[i2] - xs[i]), ys[j] + t * (ys[j2] - ys[j]));
  };
  // Segments, each joining two edge points; an edge is shared by at most two segments.
  std::vector<std::pair<long, long>> segments;
  for (int j = 0; j + 1 < ny; ++j)
    for (int i = 0; i + 1 < nx; ++i) {
      const bool c0 = f(i, j) >= level, c1 = f(i + 1, j) >= level, c2 = f(i + 1, j + 1) >= level,
                 c3 = f(i, j + 1) >= level;
      const int idx = c0 | (c1 << 1) | (c2 << 2) | (c3 << 3);
      const long bottom = h_edge(i, j), right = v_edge(i + 1, j), top = h_edge(i, j + 1),
                 left = v_edge(i, j);
      const bool centre = 0.25 * (f(i, j) + f(i + 1, j) + f(i + 1, j + 1) + f(i, j + 1)) >= level;
      switch (idx) {
        case 0: case 15: break;
        case 1: case 14: segments.push_back({left, bottom}); break;
        case 2: case 13: segments.push_back({bottom, right}); break;
        case 3: case 12: segments.push_back({left, right}); break;
        case 4: case 11: segments.push_back({right, top}); break;
        case 6: case 9: segments.push_back({bottom, top}); break;
        case 7: case 8: segments.push_back({left, top}); break;
        case 5:  // c0, c2 inside
          if (centre) { segments.push_back({bottom, right}); segments.push_back({top, left}); }
          else { segments.push_back({left, bottom}); segments.push_back({right, top}); }
          break;
        case 10:  // c1, c3 inside
          if (centre) { segments.push_back({left, bottom}); segments.push_back({right, top}); }
          else { segments.push_back({bottom, right}); segments.push_back({top, left}); }
          break;
      }
    }
  // Join segments sharing an edge point.
  std::unordered_map<long, std::vector<size_t>> at;
  for (size_t s = 0; s < segments.size(); ++s) {
    at[segments[s].first].push_back(s);
    at[segments[s].second].push_back(s);
  }
  std::vector<bool> used(segments.size(), false);
  std::vector<Eigen::Matrix2Xd> lines;
  auto walk = [&](long from, std::vector<long>* chain) {
    for (;;) {
      size_t next = segments.size();
      for (size_t s : at[from])
        if (!used[s]) { next = s; break; }
      if (next == segments.size()) return;
      used[next] = true;
      from = segments[next].first == from ? segments[next].second : segments[next].first;
      chain->push_back(from);
    }
  };
  // Open chains first (start at an edge point used once), then the closed loops.
  std::vector<size_t> order;
  for (size_t s = 0; s < segments.size(); ++s)
    if (at[segments[s].first].size() == 1 || at[segments[s].second].size() == 1) order.push_back(s);
  for (size_t s = 0; s < segments.size(); ++s) order.push_back(s);
  for (size_t s : order) {
    if (used[s]) continue;
    long start = segments[s].first;
    if (at[start].size() != 1 && at[segments[s].second].size() == 1) start = segments[s].second;
    used[s] = true;
    std::vector<long> chain = {start, start == segments[s].first ? segments[s].second : segments[s].first};
    walk(chain.back(), &chain);
    if (chain.front() != chain.back()) {  // maybe extend backwards (a loop entered mid-way)
      std::vector<long> back = {chain.front()};
      walk(chain.front(), &back);
      if (back.size() > 1) {
        std::reverse(back.begin(), back.end());
        back.pop_back();
        chain.insert(chain.begin(), back.begin(), back.end());
      }
    }
    Eigen::Matrix2Xd pts(2, chain.size());
    for (size_t k = 0; k < chain.size(); ++k) pts.col(k) = point(chain[k]);
    lines.push_back(std::move(pts));
  }
  return lines;
}

}  // namespace sbi
