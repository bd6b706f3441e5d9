// sbi lens-image --source images.h5 [--source-index I] --lens lens.h5 [--lens-row R]
//     [--source-pixel-scale S] [--param KEY=VALUE ...] --seed S --out obs.h5
//
// A mock observation of a source image behind a lens: y = P B s + n, the lensing task's
// instrument (apps/lensed_source.h), Gaussian noise of noise_sigma (or the noise map) from
// the stream (S, 0). Poisson noise (param poisson) is not applied.
//
// obs.h5: /x (npix, npix) the noisy image, /model (npix, npix) the noise-free one, /source
// (H, W) the source, /theta (1, 5) the lens (theta_E, q, phi, gamma1, gamma2); attributes
// source_file, source_index, source_pixel_scale [arcsec], lens_file, lens_row, noise_sigma,
// provenance.
#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "apps/lensed_source.h"
#include "apps/progress_reporter.h"
#include "apps/simulation_file.h"
#include "core/error.h"
#include "core/rng.h"
#include "io/data_shape_attributes.h"
#include "io/output_files.h"
#include "io/provenance.h"
#include "sbi/simulation_data.h"

namespace sbi::app {

int cmd_lens_image(const Invocation& inv) {
  Flags flags(inv.args, command_spec("lens-image"));
  const std::string source_path = flags.required("source");
  const std::string out_path = flags.required("out");
  std::vector<std::string> inputs = lensed_source_inputs(flags);
  inputs.push_back(source_path);
  io::OutputFiles out(inputs);
  out.add(out_path);

  const SampleData sources = load_sample_data(source_path);
  core::check(sources.shape.is_image() && sources.shape.channels <= 1,
              "--source " + source_path + ": /x holds " + sources.shape.describe() +
                  "; give one-channel images, (N, H, W)");
  const long index = flags.get_int("source-index", 0);
  core::check(index >= 0 && index < sources.x.cols(), "--source-index " + std::to_string(index) +
                                                          ": " + source_path + " holds " +
                                                          std::to_string(sources.x.cols()) + " images");
  const LensedSource model = lensed_source(flags, sources.shape.height, sources.shape.width);
  const Eigen::VectorXd source = sources.x.col(index);
  const Eigen::VectorXd noiseless = model.forward * source;
  const std::uint64_t seed = flags.get_seed("seed", 0);
  core::Rng rng(seed, 0);
  Eigen::VectorXd y = noiseless;
  const Eigen::VectorXd& sigma = model.lensing->pixel_sigma();
  for (Eigen::Index p = 0; p < y.size(); ++p) y[p] += sigma[p] * rng.normal();

  const int npix = model.lensing->config().npix;
  const auto image = [&](const Eigen::VectorXd& v, size_t rows, size_t cols) {
    return std::make_pair(std::vector<size_t>{rows, cols}, std::vector<double>(v.data(), v.data() + v.size()));
  };
  out.write_hdf5(out_path, [&](io::H5File& f) {
    io::Provenance p = provenance_of(inv, seed);
    p.parameter_names = model.lens_names();
    io::stamp_provenance(f, p);
    const auto [x_dims, x_values] = image(y, npix, npix);
    f.write_array("/x", x_dims, x_values);
    io::write_shape_attributes(f, core::DataShape::image(npix, npix));
    const auto [m_dims, m_values] = image(noiseless, npix, npix);
    f.write_array("/model", m_dims, m_values);
    const auto [s_dims, s_values] = image(source, sources.shape.height, sources.shape.width);
    f.write_array("/source", s_dims, s_values);
    f.write_matrix("/theta", Eigen::MatrixXd(model.lens));
    f.set_attr("/", "source_file", source_path);
    f.set_attr("/", "source_index", static_cast<std::int64_t>(index));
    f.set_attr("/", "source_pixel_scale", model.grid.pixel_scale);
    f.set_attr("/", "lens_file", flags.get("lens", ""));
    f.set_attr("/", "lens_row", static_cast<std::int64_t>(flags.get_int("lens-row", 0)));
    f.set_attr("/", "noise_sigma", model.lensing->config().noise_sigma);
  });
  out.commit();
  log_line("wrote %s: source %ld of %s (%d x %d pixels of %g\") behind the lens of %s, %d x %d pixels",
           out_path.c_str(), index, source_path.c_str(), model.grid.rows, model.grid.cols,
           model.grid.pixel_scale, flags.get("lens", "").c_str(), npix, npix);
  return 0;
}

}  // namespace sbi::app
