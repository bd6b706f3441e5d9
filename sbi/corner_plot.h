// Corner plot (a "triangle" or pair plot, after Foreman-Mackey 2016, corner.py, JOSS 1(2)) of
// posterior draws as SVG: 1-D marginal histograms on the diagonal, with the median and the
// 16/84 % quantiles in the panel title; below the diagonal, for each pair of parameters, the
// smoothed 2-D density as shading and the highest-density contours enclosing 68 % and 95 % of
// the draws (contour.h); true values as lines and a marker; parameter names (LaTeX labels
// rendered as Unicode text) and ticks on the outer axes.
#pragma once

#include <string>
#include <vector>

#include <Eigen/Core>

namespace sbi {

struct CornerPlotOptions {
  static constexpr int kMaxBins = 1000;  // more cells than a panel has pixels add nothing
  int bins_1d = 40;                     // histogram bins on the diagonal
  int bins_2d = 40;                     // 2-D histogram cells per axis
  double smooth = 1.0;                  // Gaussian smoothing of the 2-D histogram, in cells
  std::vector<double> contour_masses = {0.68, 0.95};  // enclosed masses, increasing
  double range_quantile = 0.001;        // axis range: [q, 1 - q] quantiles, padded 5 % per side
  double panel_size = 150;              // px
  double gap = 8;                       // px between panels
  std::string color = "#1f4e9c";        // samples
  std::string truth_color = "#d62728";  // true values
  std::string title;                    // above the figure; empty for none

  bool is_valid(std::string* error) const;
};

// samples: D x M (M >= 2). names: D parameter names; labels: D LaTeX labels or empty (names are
// used); truth: D values or empty. Throws core::Error on inconsistent sizes, non-finite
// samples or invalid options.
std::string corner_plot_svg(const Eigen::MatrixXd& samples, const std::vector<std::string>& names,
                            const std::vector<std::string>& labels, const Eigen::VectorXd& truth,
                            const CornerPlotOptions& options = {});

// corner_plot_svg written atomically to `path`.
void write_corner_plot(const std::string& path, const Eigen::MatrixXd& samples,
                       const std::vector<std::string>& names, const std::vector<std::string>& labels,
                       const Eigen::VectorXd& truth, const CornerPlotOptions& options = {});

}  // namespace sbi
