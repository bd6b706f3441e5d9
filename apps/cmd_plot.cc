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
#include "sbi/image_grid.h"
#include "sbi/simulation_data.h"
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

// Writes an SVG figure to out_path, or its PNG rendering for a .png path, and with --png a
// PNG next to an SVG.
void write_figure(const Flags& flags, io::OutputFiles* out, const std::string& out_path,
                  const std::string& svg) {
  std::string error;  // for svg_to_png
  if (ends_with(out_path, ".png")) {
    core::check(svg_to_png(svg, out->temp_path(out_path), 2.0, &error),
                "cannot render " + out_path + ": " + error);
    out->mark_written(out_path);
    return;
  }
  out->write_text(out_path, svg);
  if (flags.on("png")) {
    const std::string png =
        (ends_with(out_path, ".svg") ? out_path.substr(0, out_path.size() - 4) : out_path) + ".png";
    if (svg_to_png(svg, out->add(png), 2.0, &error)) {
      out->mark_written(png);
    } else {
      out->drop(png);
      log_line("no PNG: %s", error.c_str());
    }
  }
}

// sbi plot images x.h5 --out grid.svg: the first --num images of /x.
int plot_images(const Flags& flags, const std::string& data_path, const std::string& out_path) {
  ImageGridOptions options;
  options.columns = flags.get_int32("columns", options.columns);
  options.pixel_size = flags.get_double("pixel-size", options.pixel_size);
  options.per_image_scale = flags.on("per-image-scale");
  options.title = flags.get("title", "");
  core::check_valid(options, "");
  const long num = flags.get_int("num", 16);
  core::check(num >= 1, "--num must be >= 1");
  io::OutputFiles out({data_path});
  out.add(out_path);
  const SampleData data = load_sample_data(data_path);
  core::check(data.shape.is_image(), data_path + ": /x holds " + data.shape.describe() +
                                         "; sbi plot images needs (N, H, W) or (N, C, H, W)");
  const Eigen::MatrixXd shown = data.x.leftCols(std::min<long>(num, data.x.cols()));
  write_figure(flags, &out, out_path, image_grid_svg(shown, data.shape, options));
  out.commit();
  log_line("wrote %s: %ld images of %s", out_path.c_str(), static_cast<long>(shown.cols()),
           data.shape.describe().c_str());
  return 0;
}

}  // namespace

int cmd_plot(const Invocation& inv) {
  Flags flags(inv.args, command_spec("plot"));
  const std::vector<std::string>& pos = flags.positional();
  core::check(!pos.empty(), "sbi plot needs a kind of plot: sbi plot corner posterior.h5 --out "
                            "corner.svg, or sbi plot images x.h5 --out grid.svg");
  core::check(pos[0] == "corner" || pos[0] == "images",
              "unknown plot '" + pos[0] + "' (expected corner or images)");
  core::check(pos.size() == 2, "sbi plot " + pos[0] + " takes one file");
  const std::string out_path = flags.required("out");
  if (pos[0] == "images") return plot_images(flags, pos[1], out_path);
  CornerPlotOptions options;
  options.bins_2d = flags.get_int32("bins", options.bins_2d);
  options.bins_1d = options.bins_2d;
  options.smooth = flags.get_double("smooth", options.smooth);
  options.title = flags.get("title", "");
  core::check_valid(options, "");

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
  write_figure(flags, &out, out_path, svg);
  out.commit();
  log_line("wrote %s: %d parameters, %ld draws of observation %ld", out_path.c_str(), dim,
           static_cast<long>(draws.samples[k].cols()), k);
  return 0;
}

}  // namespace sbi::app
