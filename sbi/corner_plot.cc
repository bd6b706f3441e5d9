#include "sbi/corner_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "sbi/contour.h"
#include "sbi/svg_writer.h"

namespace sbi {
namespace {

constexpr double kLeft = 72, kBottom = 62, kTop = 34, kRight = 20;

double quantile(std::vector<double> v, double q) {
  const size_t k = static_cast<size_t>(std::clamp(q, 0.0, 1.0) * (v.size() - 1));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

struct Panel {
  double x0, y0, size;
  double xlo, xhi, ylo, yhi;
  double px(double x) const { return x0 + (x - xlo) / (xhi - xlo) * size; }
  double py(double y) const { return y0 + size - (y - ylo) / (yhi - ylo) * size; }
};

}  // namespace

bool CornerPlotOptions::is_valid(std::string* error) const {
  if (bins_1d < 2 || bins_2d < 4)
    *error = "CornerPlotOptions: bins_1d must be >= 2 and bins_2d >= 4";
  else if (bins_1d > kMaxBins || bins_2d > kMaxBins)  // finer than the panel's pixels
    *error = "CornerPlotOptions: bins must be at most " + std::to_string(kMaxBins);
  else if (!(smooth >= 0))
    *error = "CornerPlotOptions::smooth must be >= 0";
  else if (contour_masses.empty() || !std::is_sorted(contour_masses.begin(), contour_masses.end()) ||
           contour_masses.front() <= 0 || contour_masses.back() >= 1)
    *error = "CornerPlotOptions::contour_masses must be increasing, in (0, 1)";
  else if (!(range_quantile >= 0 && range_quantile < 0.5))
    *error = "CornerPlotOptions::range_quantile must be in [0, 0.5)";
  else if (!(panel_size >= 40) || !(gap >= 0))
    *error = "CornerPlotOptions: panel_size must be >= 40 and gap >= 0";
  else
    return true;
  return false;
}

std::string corner_plot_svg(const Eigen::MatrixXd& samples, const std::vector<std::string>& names,
                            const std::vector<std::string>& labels, const Eigen::VectorXd& truth,
                            const CornerPlotOptions& options) {
  core::check_valid(options, "corner_plot_svg");
  const int dim = static_cast<int>(samples.rows());
  const long m = samples.cols();
  core::check(dim >= 1 && m >= 2, "corner_plot_svg: need at least 1 parameter and 2 draws");
  core::check(samples.allFinite(), "corner_plot_svg: the draws contain NaN or Inf");
  core::check(static_cast<int>(names.size()) == dim,
              "corner_plot_svg: " + std::to_string(names.size()) + " names for " +
                  std::to_string(dim) + " parameters");
  core::check(labels.empty() || static_cast<int>(labels.size()) == dim,
              "corner_plot_svg: labels must be empty or one per parameter");
  core::check(truth.size() == 0 || truth.size() == dim,
              "corner_plot_svg: truth must be empty or one value per parameter");
  const bool has_truth = truth.size() == dim;

  // Axis ranges from quantiles, widened to include the truth, padded 5 % each side.
  std::vector<double> lo(dim), hi(dim);
  for (int d = 0; d < dim; ++d) {
    std::vector<double> row(m);
    for (long j = 0; j < m; ++j) row[j] = samples(d, j);
    lo[d] = quantile(row, options.range_quantile);
    hi[d] = quantile(row, 1 - options.range_quantile);
    if (has_truth && std::isfinite(truth[d])) {
      lo[d] = std::min(lo[d], truth[d]);
      hi[d] = std::max(hi[d], truth[d]);
    }
    if (!(hi[d] > lo[d])) {
      const double w = std::max(1e-9, std::fabs(lo[d]) * 1e-3);
      lo[d] -= w;
      hi[d] += w;
    }
    const double pad = 0.05 * (hi[d] - lo[d]);
    lo[d] -= pad;
    hi[d] += pad;
  }

  const double p = options.panel_size, g = options.gap;
  const double width = kLeft + dim * p + (dim - 1) * g + kRight;
  const double height = kTop + dim * p + (dim - 1) * g + kBottom + (options.title.empty() ? 0 : 18);
  const double top = kTop + (options.title.empty() ? 0 : 18);
  SvgDocument svg(width, height);
  svg.title(options.title.empty() ? "corner plot" : options.title);
  svg.rect(0, 0, width, height, {"white", "none", 1, 1, ""});
  if (!options.title.empty()) {
    SvgTextStyle ts;
    ts.size = 14;
    ts.weight = "bold";
    svg.text(width / 2, 20, options.title, ts);
  }
  auto label_markup = [&](int d) {
    return latex_to_svg_markup(labels.empty() || labels[d].empty() ? names[d] : labels[d]);
  };
  const SvgStyle frame{"none", "#333333", 0.8, 1, ""};
  const SvgStyle tick_style{"none", "#333333", 0.8, 1, ""};
  const SvgStyle truth_style{"none", options.truth_color, 1.2, 0.9, ""};
  SvgTextStyle tick_text;
  tick_text.size = 9;

  for (int row = 0; row < dim; ++row) {
    for (int col = 0; col <= row; ++col) {
      Panel pn{kLeft + col * (p + g), top + row * (p + g), p, lo[col], hi[col], 0, 1};
      svg.begin_group();
      if (row == col) {
        // 1-D histogram of parameter col.
        const int nb = options.bins_1d;
        Eigen::VectorXd counts = Eigen::VectorXd::Zero(nb);
        for (long j = 0; j < m; ++j) {
          const double f = (samples(col, j) - lo[col]) / (hi[col] - lo[col]) * nb;
          if (f >= 0 && f < nb) counts[static_cast<int>(f)] += 1;
        }
        pn.ylo = 0;
        pn.yhi = std::max(1.0, counts.maxCoeff()) * 1.1;
        const std::string clip = svg.clip_rect(pn.x0, pn.y0, p, p);
        svg.begin_group(clip);
        PathData step;
        step.move_to(pn.px(lo[col]), pn.py(0));
        for (int b = 0; b < nb; ++b) {
          const double xa = lo[col] + (hi[col] - lo[col]) * b / nb;
          const double xb = lo[col] + (hi[col] - lo[col]) * (b + 1) / nb;
          step.line_to(pn.px(xa), pn.py(counts[b])).line_to(pn.px(xb), pn.py(counts[b]));
        }
        step.line_to(pn.px(hi[col]), pn.py(0)).close();
        svg.path(step.str(), {options.color, "none", 1, 0.18, ""});
        svg.path(step.str(), {"none", options.color, 1.3, 1, ""});
        std::vector<double> v(m);
        for (long j = 0; j < m; ++j) v[j] = samples(col, j);
        const double q16 = quantile(v, 0.16), q50 = quantile(v, 0.5), q84 = quantile(v, 0.84);
        for (double q : {q16, q50, q84})
          svg.line(pn.px(q), pn.y0, pn.px(q), pn.y0 + p, {"none", "#555555", 0.8, 0.9, "3 3"});
        if (has_truth) svg.line(pn.px(truth[col]), pn.y0, pn.px(truth[col]), pn.y0 + p, truth_style);
        svg.end_group();
        SvgTextStyle title_style;
        title_style.size = 10;
        svg.text_markup(pn.x0 + p / 2, pn.y0 - 6,
                        label_markup(col) + " = " + xml_escape(short_number(q50)) +
                            "<tspan dy=\"-0.45em\" font-size=\"75%\">+" +
                            xml_escape(short_number(q84 - q50)) +
                            "</tspan><tspan dy=\"0.75em\" dx=\"-1.6em\" font-size=\"75%\">\u2212" +
                            xml_escape(short_number(q50 - q16)) + "</tspan>",
                        title_style);
      } else {
        // 2-D density of (col, row): x = parameter col, y = parameter row.
        pn.ylo = lo[row];
        pn.yhi = hi[row];
        const int n = options.bins_2d;
        const int pad = static_cast<int>(std::ceil(3 * options.smooth)) + 1;
        const Eigen::MatrixXd h = histogram_2d(samples.row(col).transpose(), samples.row(row).transpose(),
                                               lo[col], hi[col], lo[row], hi[row], n, n);
        Eigen::MatrixXd padded = Eigen::MatrixXd::Zero(n + 2 * pad, n + 2 * pad);
        padded.block(pad, pad, n, n) = h;
        Eigen::MatrixXd smooth = gaussian_smooth(padded, options.smooth);
        // Keep a ring of zeros so every contour closes inside the grid.
        smooth.topRows(1).setZero();
        smooth.bottomRows(1).setZero();
        smooth.leftCols(1).setZero();
        smooth.rightCols(1).setZero();
        const double wx = (hi[col] - lo[col]) / n, wy = (hi[row] - lo[row]) / n;
        Eigen::VectorXd xs(n + 2 * pad), ys(n + 2 * pad);
        for (int k = 0; k < n + 2 * pad; ++k) {
          xs[k] = lo[col] + (k - pad + 0.5) * wx;
          ys[k] = lo[row] + (k - pad + 0.5) * wy;
        }
        const std::string clip = svg.clip_rect(pn.x0, pn.y0, p, p);
        svg.begin_group(clip);
        const double vmax = smooth.maxCoeff();
        if (vmax > 0) {
          for (int i = 0; i < smooth.rows(); ++i)
            for (int j = 0; j < smooth.cols(); ++j) {
              const double v = smooth(i, j) / vmax;
              if (v < 0.01) continue;
              const double x0 = pn.px(xs[i] - wx / 2), x1 = pn.px(xs[i] + wx / 2);
              const double y0 = pn.py(ys[j] + wy / 2), y1 = pn.py(ys[j] - wy / 2);
              svg.rect(x0, y0, x1 - x0 + 0.3, y1 - y0 + 0.3,
                       {options.color, "none", 1, 0.5 * std::pow(v, 0.8), ""});
            }
          const std::vector<double> levels = hpd_levels(smooth, options.contour_masses);
          for (size_t k = 0; k < levels.size(); ++k) {
            PathData d;
            for (const Eigen::Matrix2Xd& line : marching_squares(smooth, xs, ys, levels[k])) {
              d.move_to(pn.px(line(0, 0)), pn.py(line(1, 0)));
              for (Eigen::Index q = 1; q < line.cols(); ++q) d.line_to(pn.px(line(0, q)), pn.py(line(1, q)));
            }
            // Innermost (68 %) contour thickest.
            const double w = k == 0 ? 1.6 : 1.0;
            svg.path(d.str(), {"none", options.color, w, 1, ""});
          }
        }
        if (has_truth) {
          svg.line(pn.px(truth[col]), pn.y0, pn.px(truth[col]), pn.y0 + p, truth_style);
          svg.line(pn.x0, pn.py(truth[row]), pn.x0 + p, pn.py(truth[row]), truth_style);
          svg.rect(pn.px(truth[col]) - 3, pn.py(truth[row]) - 3, 6, 6,
                   {options.truth_color, "white", 0.8, 1, ""});
        }
        svg.end_group();
        // y ticks on the left edge.
        for (double t : nice_ticks(lo[row], hi[row], 4)) {
          const double y = pn.py(t);
          svg.line(pn.x0, y, pn.x0 + 4, y, tick_style);
          if (col == 0) {
            SvgTextStyle ts = tick_text;
            ts.anchor = "end";
            svg.text(pn.x0 - 3, y + 3, tick_label(t), ts);
          }
        }
      }
      // x ticks on the bottom edge.
      for (double t : nice_ticks(lo[col], hi[col], 4)) {
        const double x = pn.px(t);
        svg.line(x, pn.y0 + p, x, pn.y0 + p - 4, tick_style);
        if (row == dim - 1) {
          SvgTextStyle ts = tick_text;
          if (p < 120) {
            ts.rotate = -45;
            ts.anchor = "end";
          }
          svg.text(x, pn.y0 + p + 12, tick_label(t), ts);
        }
      }
      svg.rect(pn.x0, pn.y0, p, p, frame);
      svg.end_group();
    }
  }
  // Axis labels.
  SvgTextStyle axis;
  axis.size = 13;
  for (int d = 0; d < dim; ++d) {
    const double cx = kLeft + d * (p + g) + p / 2;
    svg.text_markup(cx, top + dim * p + (dim - 1) * g + 44, label_markup(d), axis);
    if (d > 0) {
      SvgTextStyle ay = axis;
      ay.rotate = -90;
      const double cy = top + d * (p + g) + p / 2;
      svg.text_markup(22, cy, label_markup(d), ay);
    }
  }
  // Legend in the empty upper-right triangle.
  if (dim >= 2) {
    const double lx = kLeft + (p + g) + 10, ly = top + 16;
    SvgTextStyle lt;
    lt.size = 10;
    lt.anchor = "start";
    char mass[64];
    std::snprintf(mass, sizeof mass, "%g %% / %g %% HPD", 100 * options.contour_masses.front(),
                  100 * options.contour_masses.back());
    svg.line(lx, ly, lx + 22, ly, {"none", options.color, 1.6, 1, ""});
    svg.text(lx + 28, ly + 3.5, mass, lt);
    svg.text(lx + 28, ly + 16.5, "from " + std::to_string(m) + " draws", lt);
    if (has_truth) {
      svg.line(lx, ly + 32, lx + 22, ly + 32, truth_style);
      svg.rect(lx + 8, ly + 29, 6, 6, {options.truth_color, "white", 0.8, 1, ""});
      svg.text(lx + 28, ly + 35.5, "true value", lt);
    }
  }
  return svg.str();
}

void write_corner_plot(const std::string& path, const Eigen::MatrixXd& samples,
                       const std::vector<std::string>& names, const std::vector<std::string>& labels,
                       const Eigen::VectorXd& truth, const CornerPlotOptions& options) {
  write_svg_file(path, corner_plot_svg(samples, names, labels, truth, options));
}

}  // namespace sbi
