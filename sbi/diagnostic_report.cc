#include "sbi/diagnostic_report.h"

#include "core/error.h"
#include "io/h5_file.h"

namespace sbi {
namespace {

std::vector<std::int64_t> to_int64(const Eigen::VectorXi& v) {
  return std::vector<std::int64_t>(v.data(), v.data() + v.size());
}

void set_test_attrs(io::H5File& f, const std::string& group, const UniformityTest& t,
                    double max_deviation) {
  f.set_attr(group, "ks_statistic", t.statistic);
  f.set_attr(group, "ks_p_value", t.p_value);
  f.set_attr(group, "max_deviation", max_deviation);
}

}  // namespace

void write_diagnostic_report(io::H5File& f, const DiagnosticReport& r) {
  core::check(r.run != nullptr && r.sbc != nullptr && r.coverage != nullptr && r.tarp != nullptr,
              "write_diagnostic_report: run, sbc, coverage and tarp must all be given");
  const CalibrationRun& run = *r.run;
  const SbcResult& sbc = *r.sbc;
  const int dim = static_cast<int>(sbc.dimensions.size());
  io::stamp_provenance(f, r.provenance);
  f.set_attr("/", "format", "sbi-toolkit diagnostics");
  f.set_attr("/", "format_version", kDiagnosticReportFormatVersion);
  f.set_attr("/", "num_simulations", static_cast<std::int64_t>(run.theta.cols()));
  f.set_attr("/", "num_posterior_samples", static_cast<std::int64_t>(run.num_posterior_samples));
  for (const auto& [k, v] : r.string_attrs) f.set_attr("/", k, v);
  for (const auto& [k, v] : r.number_attrs) f.set_attr("/", k, v);

  f.write_matrix("/simulations/theta", run.theta);
  f.write_matrix("/simulations/x", run.x);

  f.write_matrix("/sbc/ranks", run.sbc_ranks.cast<double>());
  Eigen::VectorXd ks(dim), ks_p(dim), chi(dim), chi_p(dim);
  Eigen::MatrixXd counts(dim, sbc.num_bins);
  for (int d = 0; d < dim; ++d) {
    ks[d] = sbc.dimensions[d].ks.statistic;
    ks_p[d] = sbc.dimensions[d].ks.p_value;
    chi[d] = sbc.dimensions[d].chi_square.statistic;
    chi_p[d] = sbc.dimensions[d].chi_square.p_value;
    counts.row(d) = sbc.dimensions[d].bin_counts.transpose();
  }
  f.write_vector("/sbc/ks_statistic", ks);
  f.write_vector("/sbc/ks_p_value", ks_p);
  f.write_vector("/sbc/chi2_statistic", chi);
  f.write_vector("/sbc/chi2_p_value", chi_p);
  f.write_matrix("/sbc/bin_counts", counts);
  f.write_vector("/sbc/bin_widths", sbc.bin_widths);
  f.set_attr("/sbc", "num_bins", static_cast<std::int64_t>(sbc.num_bins));
  f.set_attr("/sbc", "chi2_dof", static_cast<std::int64_t>(sbc.num_bins - 1));
  f.set_attr("/sbc", "min_p_value", sbc.min_p_value);
  f.set_attr("/sbc", "combined_p_value", sbc.combined_p_value);

  const CoverageCurve& c = *r.coverage;
  f.write_vector("/coverage/levels", c.levels);
  f.write_vector("/coverage/coverage", c.coverage);
  f.write_vector("/coverage/band_lower", c.band_lower);
  f.write_vector("/coverage/band_upper", c.band_upper);
  f.write_int64_vector("/coverage/hpd_ranks", to_int64(run.hpd_ranks));
  set_test_attrs(f, "/coverage", c.ks, c.max_deviation);

  const TarpResult& t = *r.tarp;
  f.write_vector("/tarp/levels", t.levels);
  f.write_vector("/tarp/ecp", t.ecp);
  f.write_int64_vector("/tarp/counts", to_int64(run.tarp_counts));
  set_test_attrs(f, "/tarp", t.ks, t.max_deviation);
}

}  // namespace sbi
