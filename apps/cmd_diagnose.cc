// sbi diagnose: calibration of a trained posterior on its task's simulator: SBC ranks with
// KS and chi-square p-values, the HPD expected-coverage curve and the TARP curve, written to
// report.h5 with provenance, and SVG figures next to it (<stem>_sbc.svg, <stem>_coverage.svg).
#include <cstdio>
#include <utility>

#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "apps/progress_reporter.h"
#include "apps/task_from_flags.h"
#include "core/error.h"
#include "io/output_files.h"
#include "sbi/calibration.h"
#include "sbi/diagnostic_plots.h"
#include "sbi/diagnostic_report.h"
#include "sbi/model_file.h"
#include "sbi/svg_writer.h"

namespace sbi::app {
namespace {

// "dir/report.h5" -> "dir/report" (the figures' stem).
std::string stem_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const size_t dot = path.find_last_of('.');
  return dot != std::string::npos && (slash == std::string::npos || dot > slash) ? path.substr(0, dot)
                                                                                 : path;
}

const char* verdict(bool passes) { return passes ? "pass" : "FAIL"; }

}  // namespace

int cmd_diagnose(const Invocation& inv) {
  Flags flags(inv.args, command_spec("diagnose"));
  const std::string model_path = flags.required("model");
  const std::string out_path = flags.required("out");
  CalibrationOptions options;
  options.num_simulations = flags.get_int("num-sbc", -1);
  core::check(flags.has("num-sbc"), "missing required flag --num-sbc");
  options.num_posterior_samples = flags.get_int("num-posterior-samples", options.num_posterior_samples);
  options.seed = flags.get_seed("seed", 0);
  options.threads = set_threads(flags.get_int("threads", 0));
  options.tarp_reference = parse_tarp_reference(flags.get("tarp-reference", "prior"));
  core::check_valid(options, "");

  const simulators::Task task = task_from_flags(flags);
  const PosteriorModel model = load_model(model_path);
  check_model_target(model, ModelTarget::kTheta, model_path);
  core::check(task.simulator->theta_dim() == model.theta_dim() && task.simulator->x_dim() == model.x_dim(),
              "task " + task.simulator->name() + " has " + std::to_string(task.simulator->theta_dim()) +
                  " parameters and " + std::to_string(task.simulator->x_dim()) +
                  "-dimensional data, but the model in " + model_path + " has " +
                  std::to_string(model.theta_dim()) + " and " + std::to_string(model.x_dim()));
  // The report and its figures are one output: all of them land, or none.
  const std::string stem = stem_of(out_path);
  const std::string sbc_svg = stem + "_sbc.svg", coverage_svg = stem + "_coverage.svg";
  std::vector<std::string> inputs = task_input_files(flags);
  inputs.push_back(model_path);
  io::OutputFiles out(inputs);
  for (const std::string& path : {out_path, sbc_svg, coverage_svg}) out.add(path);

  const ModelPosterior posterior(model, !flags.on("no-prior-restriction"));
  ProgressReporter reporter;
  options.progress = reporter.callback();
  CalibrationSummary summary;
  const CalibrationRun run = run_calibration(task.prior, *task.simulator, posterior, options, &summary);
  reporter.finish();
  const SbcResult sbc = sbc_test(run.sbc_ranks, run.num_posterior_samples);
  const CoverageCurve coverage = expected_coverage(run.hpd_ranks, run.num_posterior_samples);
  const TarpResult tarp = tarp_test(run.tarp_counts, run.num_posterior_samples);

  // Figures first (pure computation), so nothing is written if they fail.
  DiagnosticPlotOptions plot_options;
  plot_options.title = "SBC rank histograms: " + task.simulator->name();
  const std::string sbc_figure = sbc_rank_plot_svg(sbc, model.parameter_names, {}, plot_options);
  plot_options.title = "Expected coverage: " + task.simulator->name();
  const std::string coverage_figure = coverage_plot_svg(coverage, &tarp, plot_options);

  DiagnosticReport report;
  report.run = &run;
  report.sbc = &sbc;
  report.coverage = &coverage;
  report.tarp = &tarp;
  report.provenance.command_line = inv.command_line;
  report.provenance.seed = options.seed;
  report.provenance.has_seed = true;
  report.provenance.parameter_names = model.parameter_names;
  report.provenance.data_names = model.data_names;
  report.string_attrs = {{"model", model_path},
                         {"task", task.simulator->name()},
                         {"estimator", model.density->kind()},
                         {"tarp_reference", tarp_reference_name(options.tarp_reference)}};
  report.number_attrs = {{"seconds", summary.seconds}};
  out.write_hdf5(out_path, [&](io::H5File& f) { write_diagnostic_report(f, report); });
  out.write_text(sbc_svg, sbc_figure);
  out.write_text(coverage_svg, coverage_figure);
  if (flags.on("png")) {
    for (const auto& [svg, figure] : {std::pair{sbc_svg, sbc_figure}, {coverage_svg, coverage_figure}}) {
      const std::string png = stem_of(svg) + ".png";
      std::string error;
      if (svg_to_png(figure, out.add(png), 2.0, &error)) {
        out.mark_written(png);
      } else {
        out.drop(png);
        log_line("no PNG for %s: %s", svg.c_str(), error.c_str());
      }
    }
  }
  out.commit();

  std::printf("SBC: %ld simulations x %ld posterior draws, %d bins\n", sbc.num_simulations,
              sbc.num_posterior_samples, sbc.num_bins);
  std::printf("  %-16s %10s %10s\n", "parameter", "KS p", "chi2 p");
  for (size_t d = 0; d < sbc.dimensions.size(); ++d)
    std::printf("  %-16s %10.4g %10.4g\n", model.parameter_names[d].c_str(),
                sbc.dimensions[d].ks.p_value, sbc.dimensions[d].chi_square.p_value);
  std::printf("  combined p = %.4g (Bonferroni): %s at the 1%% level\n", sbc.combined_p_value,
              verdict(sbc.passes(0.01)));
  std::printf("coverage (HPD): KS p = %.4g: %s; at 50/90/95%%: %.3f %.3f %.3f\n", coverage.ks.p_value,
              verdict(coverage.passes(0.01)),
              empirical_coverage(run.hpd_ranks, run.num_posterior_samples, 0.5),
              empirical_coverage(run.hpd_ranks, run.num_posterior_samples, 0.9),
              empirical_coverage(run.hpd_ranks, run.num_posterior_samples, 0.95));
  std::printf("TARP (%s references): KS p = %.4g: %s; max |ECP - level| = %.3f\n",
              tarp_reference_name(options.tarp_reference).c_str(), tarp.ks.p_value,
              verdict(tarp.passes(0.01)), tarp.max_deviation);
  log_line("wrote %s, %s, %s (%s)", out_path.c_str(), sbc_svg.c_str(), coverage_svg.c_str(),
           summary.message.c_str());
  return 0;
}

}  // namespace sbi::app
