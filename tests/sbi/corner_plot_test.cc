// Figures: well-formed SVG (a small XML checker here, and xmllint when installed), HPD
// contour levels and marching squares against a Gaussian's closed-form contours, labels.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <vector>

#include "core/rng.h"
#include "sbi/contour.h"
#include "sbi/corner_plot.h"
#include "sbi/diagnostic_plots.h"
#include "sbi/svg_writer.h"
#include "testing/temp_dir.h"

namespace sbi {
namespace {

// Minimal XML well-formedness: one root element, tags nest and close in order, attribute
// values quoted, '&' only in the five predefined entities or numeric references, no '<' in
// text or attributes. Returns "" when well-formed, else what is wrong.
std::string xml_problem(const std::string& s) {
  std::vector<std::string> stack;
  size_t i = 0;
  int roots = 0;
  auto check_text = [&](size_t a, size_t b) -> std::string {
    for (size_t k = a; k < b; ++k) {
      if (s[k] == '<') return "'<' in text at " + std::to_string(k);
      if (s[k] == '&') {
        const size_t semi = s.find(';', k);
        if (semi == std::string::npos || semi > b) return "unterminated entity at " + std::to_string(k);
        const std::string e = s.substr(k + 1, semi - k - 1);
        if (e != "amp" && e != "lt" && e != "gt" && e != "quot" && e != "apos" && (e.empty() || e[0] != '#'))
          return "unknown entity &" + e + ";";
      }
    }
    return "";
  };
  while (i < s.size()) {
    const size_t lt = s.find('<', i);
    if (lt == std::string::npos) {
      if (std::string p = check_text(i, s.size()); !p.empty()) return p;
      break;
    }
    if (std::string p = check_text(i, lt); !p.empty()) return p;
    if (s.compare(lt, 5, "<?xml") == 0) {
      const size_t end = s.find("?>", lt);
      if (end == std::string::npos || lt != 0) return "bad XML declaration";
      i = end + 2;
      continue;
    }
    if (s.compare(lt, 4, "<!--") == 0) {
      const size_t end = s.find("-->", lt);
      if (end == std::string::npos) return "unterminated comment";
      i = end + 3;
      continue;
    }
    // Find the end of the tag, skipping quoted attribute values.
    size_t k = lt + 1;
    char quote = 0;
    for (; k < s.size(); ++k) {
      if (quote) {
        if (s[k] == quote) quote = 0;
        else if (s[k] == '<') return "'<' in an attribute value";
      } else if (s[k] == '"' || s[k] == '\'') {
        quote = s[k];
      } else if (s[k] == '>') {
        break;
      }
    }
    if (k >= s.size()) return "unterminated tag at " + std::to_string(lt);
    const std::string tag = s.substr(lt + 1, k - lt - 1);
    static const std::regex open_re(R"(^([A-Za-z_][\w:.-]*)(\s+[A-Za-z_][\w:.-]*\s*=\s*("[^"]*"|'[^']*'))*\s*/?$)");
    static const std::regex close_re(R"(^/([A-Za-z_][\w:.-]*)\s*$)");
    std::smatch m;
    if (std::regex_match(tag, m, close_re)) {
      if (stack.empty() || stack.back() != m[1].str()) return "mismatched </" + m[1].str() + ">";
      stack.pop_back();
    } else if (std::regex_match(tag, m, open_re)) {
      if (stack.empty()) ++roots;
      if (tag.back() != '/') stack.push_back(m[1].str());
      else if (stack.empty() && roots > 1) return "more than one root";
      if (roots > 1) return "more than one root";
    } else {
      return "malformed tag <" + tag.substr(0, 60) + ">";
    }
    i = k + 1;
  }
  if (!stack.empty()) return "unclosed <" + stack.back() + ">";
  if (roots != 1) return "no root element";
  return "";
}

// xmllint --noout when it is installed; true when it is not.
bool xmllint_accepts(const std::string& path) {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) return true;
  return std::system(("xmllint --noout '" + path + "' 2>/dev/null").c_str()) == 0;
}

Eigen::MatrixXd gaussian_draws(int dim, long n, std::uint64_t seed) {
  core::Rng rng(seed);
  Eigen::MatrixXd z(dim, n);
  for (Eigen::Index i = 0; i < z.size(); ++i) z.data()[i] = rng.normal();
  return z;
}

TEST(XmlChecker, CatchesMalformedDocuments) {
  EXPECT_EQ(xml_problem("<a><b x=\"1\"/></a>"), "");
  EXPECT_NE(xml_problem("<a><b></a>"), "");
  EXPECT_NE(xml_problem("<a x=1></a>"), "");
  EXPECT_NE(xml_problem("<a>1 & 2</a>"), "");
  EXPECT_NE(xml_problem("<a></a><b></b>"), "");
}

TEST(Contour, HpdLevelsEncloseTheRequestedMass) {
  // Grid values 1..100: the top cells summing to >= 50 % of 5050 are 100..72 (2494) plus 71.
  Eigen::MatrixXd g(10, 10);
  for (int i = 0; i < 100; ++i) g.data()[i] = i + 1;
  const std::vector<double> lv = hpd_levels(g, {0.5, 0.95});
  EXPECT_DOUBLE_EQ(lv[0], 71.0);
  double mass = 0;
  for (int i = 0; i < 100; ++i) mass += g.data()[i] >= lv[1] ? g.data()[i] : 0;
  EXPECT_GE(mass, 0.95 * 5050);
  EXPECT_LT(mass - lv[1], 0.95 * 5050);
  EXPECT_THROW(hpd_levels(Eigen::MatrixXd::Zero(3, 3), {0.5}), std::exception);
}

TEST(Contour, MarchingSquaresTracesACircle) {
  // f = x^2 + y^2 on a 61 x 61 grid over [-3, 3]^2; the level 4 line is the circle r = 2:
  // one closed polyline whose points lie within the linear-interpolation error (~h^2/8r).
  const int n = 61;
  Eigen::VectorXd xs = Eigen::VectorXd::LinSpaced(n, -3, 3);
  Eigen::MatrixXd f(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) f(i, j) = xs[i] * xs[i] + xs[j] * xs[j];
  const std::vector<Eigen::Matrix2Xd> lines = marching_squares(f, xs, xs, 4.0);
  ASSERT_EQ(lines.size(), 1u);
  const Eigen::Matrix2Xd& c = lines[0];
  EXPECT_GT(c.cols(), 50);
  EXPECT_TRUE(c.col(0).isApprox(c.col(c.cols() - 1)));  // closed
  for (Eigen::Index k = 0; k < c.cols(); ++k) EXPECT_NEAR(c.col(k).norm(), 2.0, 0.01);
}

TEST(Contour, SmoothedHistogramContoursOfAGaussian) {
  // 200000 standard normal draws: the 68 % and 95 % HPD contours are circles of radius
  // sqrt(-2 ln(1 - m)) = 1.510 and 2.448. Binning (0.15 wide) and smoothing by one bin widen
  // the density by sqrt(1 + 0.15^2 (1 + 1/12)) ~ 1.012; we allow 4 % on the mean radius.
  const Eigen::MatrixXd z = gaussian_draws(2, 200000, 4);
  const int n = 40;
  const Eigen::MatrixXd h = histogram_2d(z.row(0).transpose(), z.row(1).transpose(), -3, 3, -3, 3, n, n);
  EXPECT_GT(h.sum(), 0.99 * 200000);
  const Eigen::MatrixXd s = gaussian_smooth(h, 1.0);
  EXPECT_NEAR(s.sum(), h.sum(), 0.01 * h.sum());  // smoothing keeps the mass (edges aside)
  Eigen::VectorXd xs(n);
  for (int i = 0; i < n; ++i) xs[i] = -3 + (i + 0.5) * 6.0 / n;
  const std::vector<double> lv = hpd_levels(s, {0.68, 0.95});
  for (int k = 0; k < 2; ++k) {
    const double expected = std::sqrt(-2 * std::log(1 - (k == 0 ? 0.68 : 0.95)));
    double sum = 0;
    long count = 0;
    for (const Eigen::Matrix2Xd& line : marching_squares(s, xs, xs, lv[k]))
      for (Eigen::Index q = 0; q < line.cols(); ++q, ++count) sum += line.col(q).norm();
    ASSERT_GT(count, 0);
    EXPECT_NEAR(sum / count / expected, 1.0, 0.04) << "mass " << (k == 0 ? 0.68 : 0.95);
  }
}

TEST(SvgWriter, EscapingNumbersTicksAndLabels) {
  EXPECT_EQ(xml_escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
  EXPECT_EQ(svg_number(12.5), "12.5");
  EXPECT_EQ(svg_number(3.0), "3");
  EXPECT_EQ(svg_number(-0.001), "0");
  EXPECT_EQ(nice_ticks(0, 1, 4), (std::vector<double>{0, 0.25, 0.5, 0.75, 1.0}));
  EXPECT_EQ(nice_ticks(-0.93, 0.87, 4), (std::vector<double>{-0.5, 0, 0.5}));
  EXPECT_EQ(latex_to_svg_markup("$\\theta_0$"),
            "\u03b8<tspan dy=\"0.3em\" font-size=\"75%\">0</tspan><tspan dy=\"-0.3em\">\u200b</tspan>");
  EXPECT_EQ(latex_to_svg_markup("M_{\\odot} < 1"),
            "M<tspan dy=\"0.3em\" font-size=\"75%\">\u2299</tspan><tspan dy=\"-0.3em\">\u200b</tspan> &lt; 1");
  EXPECT_EQ(latex_to_svg_markup("\\mathrm{km\\,s^{-1}}"),
            "km\u2009s<tspan dy=\"-0.45em\" font-size=\"75%\">-1</tspan><tspan dy=\"0.45em\">\u200b</tspan>");
}

TEST(CornerPlot, WellFormedSvgWithAllPanels) {
  testing::TempDir dir;
  Eigen::MatrixXd draws = gaussian_draws(3, 5000, 7);
  draws.row(1) = 0.5 * draws.row(0) + 0.3 * draws.row(1);  // correlated pair
  draws.row(2) = (draws.row(2).array() * 0.2 + 1.0).exp();  // skewed, positive
  const std::vector<std::string> names = {"a", "b", "mass"};
  const std::vector<std::string> labels = {"$\\alpha$", "b & <c>", "M_{\\odot}"};
  CornerPlotOptions options;
  options.title = "test posterior";
  const std::string path = dir.file("corner.svg");
  write_corner_plot(path, draws, names, labels, Eigen::Vector3d(0.1, 0.0, 2.7), options);
  std::ifstream f(path);
  const std::string svg((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_TRUE(xmllint_accepts(path));
  // 6 panels (3 diagonal + 3 below), each with a clip path; labels escaped and converted.
  EXPECT_EQ(std::count(svg.begin(), svg.end(), '\n') > 100, true);
  size_t clips = 0;
  for (size_t p = svg.find("<clipPath"); p != std::string::npos; p = svg.find("<clipPath", p + 1)) ++clips;
  EXPECT_EQ(clips, 6u);
  EXPECT_NE(svg.find("b &amp; &lt;c&gt;"), std::string::npos);
  EXPECT_NE(svg.find("\u03b1"), std::string::npos);
  EXPECT_NE(svg.find("test posterior"), std::string::npos);
  // One parameter works too, and bad input is refused.
  EXPECT_EQ(xml_problem(corner_plot_svg(draws.topRows(1), {"a"}, {}, Eigen::VectorXd())), "");
  EXPECT_THROW(corner_plot_svg(draws, {"a", "b"}, {}, Eigen::VectorXd()), std::exception);
  Eigen::MatrixXd bad = draws;
  bad(0, 0) = NAN;
  EXPECT_THROW(corner_plot_svg(bad, names, {}, Eigen::VectorXd()), std::exception);
}

TEST(DiagnosticPlots, SbcAndCoverageFiguresAreWellFormed) {
  core::Rng rng(2);
  Eigen::MatrixXi ranks(2, 300);
  for (Eigen::Index i = 0; i < ranks.size(); ++i) ranks.data()[i] = static_cast<int>(rng.below(101));
  const SbcResult sbc = sbc_test(ranks, 100);
  const std::string a = sbc_rank_plot_svg(sbc, {"theta_0", "theta_1"}, {"$\\theta_0$", ""});
  EXPECT_EQ(xml_problem(a), "");
  const CoverageCurve cov = expected_coverage(ranks.row(0).transpose(), 100);
  const TarpResult tarp = tarp_test(ranks.row(1).transpose(), 100);
  const std::string b = coverage_plot_svg(cov, &tarp);
  EXPECT_EQ(xml_problem(b), "");
  EXPECT_NE(b.find("TARP"), std::string::npos);
  EXPECT_EQ(xml_problem(coverage_plot_svg(cov, nullptr)), "");
}

}  // namespace
}  // namespace sbi
