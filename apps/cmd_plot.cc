// sbi plot corner posterior.h5 --out corner.svg [--truth FILE.h5] [--observation K]:
// a corner plot of the draws for observation K (default 0). The true values come from /theta
// of FILE.h5 ((D,), or (K, D) with one row per observation, e.g. an observation file from
// `sbi simulate` or map.h5). An --out ending in .png renders the SVG to PNG (needs
// rsvg-convert or ImageMagick's convert); --png writes a PNG next to the SVG.
#include <cstdio>

#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "apps/progress_reporter.h"
#include "core/error.h"
#include "io/h5_file.h"
#include "io/output_files.h"
#include "io/posterior_file.h"
#include "sbi/corner_plot.h"
#include "sbi/svg_writer.h"

namespace sbi::app {
namespace {

Eigen::VectorXd read_truth_row(const std::string& path, int dim, long k, long num_observations) {
  io::H5File f = io::H5File::open_read(path);
  core::check(f.is_dataset("/theta"), path + " has no /theta dataset to take the true values from");
  const std::vector<size_t> shape = f.shape("/theta");
  Eigen::MatrixXd t = f.read_matrix("/theta");
  if (shape.size() == 1) t.transposeInPlace();  // (D,) is one parameter vector
  core::check(t.rows() == dim, path + ": /theta has " + std::to_string(t.rows()) +
                                   " parameters, the posterior " + std::to_string(dim));
  if (t.cols() == 1) return t.col(0);
  core::check(t.cols() == num_observations,
              path + ": /theta has " + std::to_string(t.cols()) + " rows, but the posterior has " +
                  std::to_string(num_observations) + " observations");
  return t.col(k);
}

bool ends_with(const std::string& s, const std::string& end) {
  return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
}

}  // namespace

int cmd_plot(const Invocation& inv) {
  Flags flags(inv.args, command_spec("plot"));
  const std::vector<std::string>& pos = flags.positional();
  core::check(!pos.empty(), "sbi plot needs a kind of plot: sbi plot corner posterior.h5 --out corner.svg");
  core::check(pos[0] == "corner", "unknown plot '" + pos[0] + "' (expected corner)");
  core::check(pos.size() == 2, "sbi plot corner takes one posterior file");
  const std::string out_path = flags.required("out");
  CornerPlotOptions options;
  options.bins_2d = flags.get_int32("bins", options.bins_2d);
  options.bins_1d = options.bins_2d;
  options.smooth = flags.get_double("smooth", options.smooth);
  options.title = flags.get("title", "");
  core::check_valid(options, "");
  std::string error;  // for svg_to_png

  io::OutputFiles out({pos[1], flags.get("truth", "")});
  out.add(out_path);
  const io::PosteriorDraws draws = io::read_posterior_file(pos[1]);
  const long k_obs = static_cast<long>(draws.samples.size());
  const long k = flags.get_int("observation", 0);
  core::check(k >= 0 && k < k_obs, "--observation " + std::to_string(k) + " is out of range: " + pos[1] +
                                       " has " + std::to_string(k_obs) + " observation(s)");
  const int dim = static_cast<int>(draws.parameter_names.size());
  Eigen::VectorXd truth;
  if (flags.has("truth")) truth = read_truth_row(flags.get("truth", ""), dim, k, k_obs);
  const std::string svg = corner_plot_svg(draws.samples[k], draws.parameter_names,
                                          draws.latex_labels, truth, options);
  if (ends_with(out_path, ".png")) {
    core::check(svg_to_png(svg, out.temp_path(out_path), 2.0, &error),
                "cannot render " + out_path + ": " + error);
    out.mark_written(out_path);
  } else {
    out.write_text(out_path, svg);
    if (flags.on("png")) {
      const std::string png =
          (ends_with(out_path, ".svg") ? out_path.substr(0, out_path.size() - 4) : out_path) + ".png";
      if (svg_to_png(svg, out.add(png), 2.0, &error)) {
        out.mark_written(png);
      } else {
        out.drop(png);
        log_line("no PNG: %s", error.c_str());
      }
    }
  }
  out.commit();
  log_line("wrote %s: %d parameters, %ld draws of observation %ld", out_path.c_str(), dim,
           static_cast<long>(draws.samples[k].cols()), k);
  return 0;
}

}  // namespace sbi::app
