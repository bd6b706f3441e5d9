// Highest-density contours of a 2-D sample, for corner plots:
//   1. a 2-D histogram on a regular grid,
//   2. smoothed with a Gaussian kernel (sigma in bins; as corner.py's `smooth`),
//   3. levels t_m such that the cells with density >= t_m hold mass m (the HPD levels:
//      sort cells by density, accumulate; Hyndman 1996, "Computing and graphing highest
//      density regions", Am. Stat. 50(2)),
//   4. iso-lines at those levels by marching squares (Lorensen & Cline 1987, in 2-D), the
//      saddle cells resolved by the cell-centre average, segments joined into polylines.
#pragma once

#include <vector>

#include <Eigen/Core>

namespace sbi {

// Counts of (x, y) points in nx x ny cells of [x_lo, x_hi) x [y_lo, y_hi); points outside
// are dropped. Result(i, j): cell i along x, j along y.
Eigen::MatrixXd histogram_2d(const Eigen::VectorXd& x, const Eigen::VectorXd& y, double x_lo,
                             double x_hi, double y_lo, double y_hi, int nx, int ny);

// Separable Gaussian smoothing with standard deviation sigma (in cells), truncated at 4
// sigma; outside the grid counts as zero. sigma <= 0 returns the grid unchanged.
Eigen::MatrixXd gaussian_smooth(const Eigen::MatrixXd& grid, double sigma);

// For each mass m in (0, 1): the largest t such that the cells >= t hold at least m of the
// grid's total. Throws core::Error for an empty (all-zero) grid or m outside (0, 1).
std::vector<double> hpd_levels(const Eigen::MatrixXd& grid, const std::vector<double>& masses);

// Iso-lines f = level of the grid values f(i, j) sampled at (xs[i], ys[j]). Each polyline is a
// 2 x K matrix of (x, y) points; closed loops repeat their first point at the end.
std::vector<Eigen::Matrix2Xd> marching_squares(const Eigen::MatrixXd& f, const Eigen::VectorXd& xs,
                                               const Eigen::VectorXd& ys, double level);

}  // namespace sbi
