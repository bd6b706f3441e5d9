// report.h5: the results of `sbi diagnose`, one group per diagnostic.
//
//   /                      attrs: format = "sbi-toolkit diagnostics", format_version,
//                          provenance (io/provenance.h), model, task, num_simulations,
//                          num_posterior_samples, tarp_reference, + any extra attributes
//   /simulations/theta     float64 (N, D)  true parameters theta*_i
//   /simulations/x         float64 (N, x_dim)
//   /sbc/ranks             float64 (N, D)  integer ranks in 0..L
//   /sbc/{ks_statistic, ks_p_value, chi2_statistic, chi2_p_value}   float64 (D,)
//   /sbc/bin_counts        float64 (B, D); /sbc/bin_widths (B,) rank values per bin
//                          attrs num_bins, chi2_dof, min_p_value, combined_p_value
//   /coverage/{levels, coverage, band_lower, band_upper}   float64 (levels,)
//   /coverage/hpd_ranks    int64 (N,)      attrs ks_statistic, ks_p_value, max_deviation
//   /tarp/{levels, ecp}    float64 (levels,)
//   /tarp/counts           int64 (N,)      attrs ks_statistic, ks_p_value, max_deviation
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "io/h5_file.h"
#include "io/provenance.h"
#include "sbi/calibration.h"
#include "sbi/coverage.h"
#include "sbi/sbc.h"
#include "sbi/tarp.h"

namespace sbi {

constexpr std::int64_t kDiagnosticReportFormatVersion = 1;

struct DiagnosticReport {
  const CalibrationRun* run = nullptr;  // borrowed; all four must be set
  const SbcResult* sbc = nullptr;
  const CoverageCurve* coverage = nullptr;
  const TarpResult* tarp = nullptr;
  io::Provenance provenance;            // parameter_names / data_names included
  std::vector<std::pair<std::string, std::string>> string_attrs;
  std::vector<std::pair<std::string, double>> number_attrs;
};

// Writes the layout above into an open file (for io::OutputFiles::write_hdf5, which makes
// the report and its figures one all-or-nothing output). Throws core::Error when a part is
// missing.
void write_diagnostic_report(io::H5File& f, const DiagnosticReport& report);

}  // namespace sbi
