#include "sbi/diagnostic_plots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "sbi/svg_writer.h"
#include "sbi/uniformity_tests.h"

namespace sbi {
namespace {

std::string p_text(double p) {
  char buf[32];
  if (p < 1e-4) std::snprintf(buf, sizeof buf, "%.1e", p);
  else std::snprintf(buf, sizeof buf, "%.3f", p);
  return buf;
}

void check_options(const DiagnosticPlotOptions& options, const char* function) {
  core::check_valid(options, function);
}

// A white page with `title` (or `fallback` when it is empty) in bold at the top centre.
SvgDocument titled_page(double width, double height, const std::string& title,
                        const char* fallback) {
  const std::string text = title.empty() ? fallback : title;
  SvgDocument svg(width, height);
  svg.title(text);
  svg.rect(0, 0, width, height, {"white", "none", 1, 1, ""});
  SvgTextStyle ts;
  ts.size = 14;
  ts.weight = "bold";
  svg.text(width / 2, 20, text, ts);
  return svg;
}

}  // namespace

bool DiagnosticPlotOptions::is_valid(std::string* error) const {
  if (!(band_probability > 0 && band_probability < 1))
    *error = "DiagnosticPlotOptions::band_probability must be in (0, 1)";
  else if (columns < 1)
    *error = "DiagnosticPlotOptions::columns must be >= 1";
  else
    return true;
  return false;
}

std::string sbc_rank_plot_svg(const SbcResult& sbc, const std::vector<std::string>& names,
                              const std::vector<std::string>& labels,
                              const DiagnosticPlotOptions& options) {
  check_options(options, "sbc_rank_plot_svg");
  const int dim = static_cast<int>(sbc.dimensions.size());
  core::check(dim >= 1 && sbc.num_simulations > 0, "sbc_rank_plot_svg: empty SBC result");
  core::check(static_cast<int>(names.size()) == dim, "sbc_rank_plot_svg: one name per parameter needed");
  core::check(labels.empty() || static_cast<int>(labels.size()) == dim,
              "sbc_rank_plot_svg: labels must be empty or one per parameter");
  const int cols = std::min(dim, options.columns), rows = (dim + cols - 1) / cols;
  const double pw = 230, ph = 160, left = 52, top = 96, hgap = 40, vgap = 78, bottom = 44;
  const double width = left + cols * pw + (cols - 1) * hgap + 20;
  const double height = top + rows * ph + (rows - 1) * vgap + bottom;
  SvgDocument svg = titled_page(width, height, options.title, "SBC rank histograms");
  SvgTextStyle sub;
  sub.size = 10;
  char info[200];
  std::snprintf(info, sizeof info, "N = %ld simulations, L = %ld posterior draws, %d bins",
                sbc.num_simulations, sbc.num_posterior_samples, sbc.num_bins);
  svg.text(width / 2, 38, info, sub);
  std::snprintf(info, sizeof info, "grey: %g %% band of a calibrated posterior; combined p = %s",
                100 * options.band_probability, p_text(sbc.combined_p_value).c_str());
  svg.text(width / 2, 52, info, sub);

  const long n = sbc.num_simulations;
  const double tail = (1 - options.band_probability) / 2;
  const int nb = sbc.num_bins;
  const double total_width = sbc.bin_widths.sum();  // L + 1
  Eigen::VectorXd band_lo(nb), band_hi(nb), expected(nb);
  for (int b = 0; b < nb; ++b) {
    const double pb = sbc.bin_widths[b] / total_width;
    band_lo[b] = static_cast<double>(binomial_quantile(n, pb, tail));
    band_hi[b] = static_cast<double>(binomial_quantile(n, pb, 1 - tail));
    expected[b] = n * pb;
  }
  for (int d = 0; d < dim; ++d) {
    const SbcDimension& dm = sbc.dimensions[d];
    const double x0 = left + (d % cols) * (pw + hgap), y0 = top + (d / cols) * (ph + vgap);
    const double ymax = 1.15 * std::max(dm.bin_counts.maxCoeff(), band_hi.maxCoeff());
    auto px = [&](double rank) { return x0 + rank / total_width * pw; };
    auto py = [&](double c) { return y0 + ph - c / ymax * ph; };
    double edge = 0;
    for (int b = 0; b < nb; ++b) {
      const double a = edge, e = edge + sbc.bin_widths[b];
      edge = e;
      svg.rect(px(a), py(band_hi[b]), px(e) - px(a), py(band_lo[b]) - py(band_hi[b]),
               {"#bbbbbb", "none", 1, 0.55, ""});
      svg.rect(px(a) + 0.6, py(dm.bin_counts[b]), px(e) - px(a) - 1.2, py(0) - py(dm.bin_counts[b]),
               {options.color, "none", 1, 0.85, ""});
    }
    PathData exp_line;
    edge = 0;
    for (int b = 0; b < nb; ++b) {
      const double a = edge, e = edge + sbc.bin_widths[b];
      edge = e;
      if (b == 0) exp_line.move_to(px(a), py(expected[b]));
      else exp_line.line_to(px(a), py(expected[b]));
      exp_line.line_to(px(e), py(expected[b]));
    }
    svg.path(exp_line.str(), {"none", "#333333", 1, 1, "4 3"});
    svg.rect(x0, y0, pw, ph, {"none", "#333333", 0.8, 1, ""});
    SvgTextStyle tick;
    tick.size = 9;
    for (double t : nice_ticks(0, total_width - 1, 4)) {
      svg.line(px(t + 0.5), y0 + ph, px(t + 0.5), y0 + ph + 4, {"none", "#333333", 0.8, 1, ""});
      svg.text(px(t + 0.5), y0 + ph + 14, tick_label(t), tick);
    }
    tick.anchor = "end";
    for (double t : nice_ticks(0, ymax, 4)) {
      svg.line(x0 - 4, py(t), x0, py(t), {"none", "#333333", 0.8, 1, ""});
      svg.text(x0 - 6, py(t) + 3, tick_label(t), tick);
    }
    SvgTextStyle pt;
    pt.size = 11;
    const std::string label = labels.empty() || labels[d].empty() ? names[d] : labels[d];
    svg.text_markup(x0 + pw / 2, y0 - 20, latex_to_svg_markup(label), pt);
    pt.size = 9;
    pt.color = "#444444";
    svg.text(x0 + pw / 2, y0 - 5,
             "KS p = " + p_text(dm.ks.p_value) + ", \u03c7\u00b2 p = " + p_text(dm.chi_square.p_value), pt);
    SvgTextStyle xl;
    xl.size = 10;
    svg.text(x0 + pw / 2, y0 + ph + 30, "rank of the true value", xl);
  }
  return svg.str();
}

std::string coverage_plot_svg(const CoverageCurve& coverage, const TarpResult* tarp,
                              const DiagnosticPlotOptions& options) {
  check_options(options, "coverage_plot_svg");
  core::check(coverage.num_simulations > 0 && coverage.levels.size() >= 2,
              "coverage_plot_svg: empty coverage curve");
  const double size = 320, left = 64, top = 56, right = 24, bottom = 52;
  const double width = left + size + right, height = top + size + bottom;
  SvgDocument svg = titled_page(width, height, options.title, "Expected coverage");
  SvgTextStyle sub;
  sub.size = 10;
  char info[160];
  std::snprintf(info, sizeof info, "N = %ld simulations, L = %ld posterior draws",
                coverage.num_simulations, coverage.num_posterior_samples);
  svg.text(width / 2, 36, info, sub);
  auto px = [&](double a) { return left + a * size; };
  auto py = [&](double c) { return top + size - c * size; };

  // Band of a calibrated posterior around the diagonal (binomial quantiles per level).
  const long n = coverage.num_simulations;
  const double tail = (1 - options.band_probability) / 2;
  const int levels = 101;
  PathData band;
  for (int k = 0; k < levels; ++k) {
    const double a = static_cast<double>(k) / (levels - 1);
    const double up = static_cast<double>(binomial_quantile(n, a, 1 - tail)) / n;
    if (k == 0) band.move_to(px(a), py(up));
    else band.line_to(px(a), py(up));
  }
  for (int k = levels - 1; k >= 0; --k) {
    const double a = static_cast<double>(k) / (levels - 1);
    band.line_to(px(a), py(static_cast<double>(binomial_quantile(n, a, tail)) / n));
  }
  band.close();
  svg.path(band.str(), {"#bbbbbb", "none", 1, 0.55, ""});
  svg.line(px(0), py(0), px(1), py(1), {"none", "#333333", 1, 1, "4 3"});
  for (double t : {0.0, 0.2, 0.4, 0.6, 0.8, 1.0}) {
    svg.line(px(t), py(0), px(t), py(1), {"none", "#dddddd", 0.6, 1, ""});
    svg.line(px(0), py(t), px(1), py(t), {"none", "#dddddd", 0.6, 1, ""});
  }
  auto curve = [&](const Eigen::VectorXd& x, const Eigen::VectorXd& y, const std::string& color) {
    Eigen::Matrix2Xd pts(2, x.size());
    for (Eigen::Index k = 0; k < x.size(); ++k) pts.col(k) << px(x[k]), py(y[k]);
    svg.polyline(pts, {"none", color, 1.8, 1, ""});
  };
  curve(coverage.levels, coverage.coverage, options.color);
  if (tarp != nullptr && tarp->levels.size() >= 2) curve(tarp->levels, tarp->ecp, options.tarp_color);
  svg.rect(px(0), py(1), size, size, {"none", "#333333", 0.8, 1, ""});
  SvgTextStyle tick;
  tick.size = 9;
  SvgTextStyle ytick = tick;
  ytick.anchor = "end";
  for (double t : {0.0, 0.2, 0.4, 0.6, 0.8, 1.0}) {
    svg.line(px(t), py(0), px(t), py(0) + 4, {"none", "#333333", 0.8, 1, ""});
    svg.text(px(t), py(0) + 14, tick_label(t), tick);
    svg.line(px(0) - 4, py(t), px(0), py(t), {"none", "#333333", 0.8, 1, ""});
    svg.text(px(0) - 6, py(t) + 3, tick_label(t), ytick);
  }
  SvgTextStyle axis;
  axis.size = 12;
  svg.text(px(0.5), py(0) + 34, "credibility level", axis);
  axis.rotate = -90;
  svg.text(18, py(0.5), "empirical coverage", axis);
  // Legend (upper left, inside the plot).
  SvgTextStyle lt;
  lt.size = 10;
  lt.anchor = "start";
  const double lx = px(0.04), ly = py(0.95);
  svg.line(lx, ly, lx + 20, ly, {"none", options.color, 1.8, 1, ""});
  svg.text(lx + 25, ly + 3.5, "HPD coverage (KS p = " + p_text(coverage.ks.p_value) + ")", lt);
  double next = ly + 15;
  if (tarp != nullptr) {
    svg.line(lx, next, lx + 20, next, {"none", options.tarp_color, 1.8, 1, ""});
    svg.text(lx + 25, next + 3.5, "TARP (KS p = " + p_text(tarp->ks.p_value) + ")", lt);
    next += 15;
  }
  svg.rect(lx, next - 5, 20, 10, {"#bbbbbb", "none", 1, 0.55, ""});
  char band_text[64];
  std::snprintf(band_text, sizeof band_text, "%g %% band if calibrated", 100 * options.band_probability);
  svg.text(lx + 25, next + 3.5, band_text, lt);
  return svg.str();
}

}  // namespace sbi
