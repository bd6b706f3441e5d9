// Figures of the calibration diagnostics, as SVG:
//   - SBC rank histograms, one panel per parameter, with the band in which each bin's count
//     of a calibrated posterior falls with probability 99 % (binomial quantiles; Talts et al.
//     2018, sec. 4.1 and Fig. 1) and the expected count;
//   - expected coverage curves (HPD coverage, coverage.h, and the TARP ECP, tarp.h) against
//     the credibility level, with the diagonal and the 99 % binomial band around it
//     (Hermans et al. 2022, Fig. 2; Lemos et al. 2023, Fig. 3).
#pragma once

#include <string>
#include <vector>

#include "sbi/coverage.h"
#include "sbi/sbc.h"
#include "sbi/tarp.h"

namespace sbi {

struct DiagnosticPlotOptions {
  double band_probability = 0.99;     // central band of a calibrated posterior
  int columns = 4;                    // SBC panels per row
  std::string color = "#1f4e9c";      // SBC bars, HPD coverage
  std::string tarp_color = "#e66101"; // TARP curve
  std::string title;                  // above the figure; empty for the default
  bool is_valid(std::string* error) const;
};

// names: one per parameter (sbc.dimensions.size()); labels: LaTeX labels or empty.
std::string sbc_rank_plot_svg(const SbcResult& sbc, const std::vector<std::string>& names,
                              const std::vector<std::string>& labels,
                              const DiagnosticPlotOptions& options = {});

// tarp may be null (HPD coverage only).
std::string coverage_plot_svg(const CoverageCurve& coverage, const TarpResult* tarp,
                              const DiagnosticPlotOptions& options = {});

}  // namespace sbi
