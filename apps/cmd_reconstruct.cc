// sbi reconstruct --prior prior.h5 --observation obs.h5 --lens lens.h5 --out source.h5
//
// The source behind a lens, sampled from p(s | y) ∝ p(y | s) p(s): p(s) a diffusion prior
// over source images (sbi prior train; diffusion/image_prior.h), p(y | s) = N(y; P B s,
// diag σ²) the lensing task's instrument through the lens of --lens (apps/lensed_source.h),
// pixels of --mask left out. The source grid has the prior's H x W pixels of
// --source-pixel-scale arcsec. Also the classical answer, Tikhonov-regularised least squares
// with χ² = the number of pixels (sbi/regularized_least_squares.h), to compare with.
//
// source.h5: /samples (N, H, W), /mean, /std (H, W) of the draws; /least_squares (H, W);
//   /model (npix, npix) = P B mean, /residual (y - model) / σ (0 where masked),
//   /least_squares_model; /theta (1, 5) the lens; attributes: reduced_chi2 and chi2 of the
//   mean's model image over the num_pixels used, least_squares_lambda,
//   least_squares_reduced_chi2, guidance, sde_steps, corrector_steps, retained_variance (of
//   the prior's basis), prior_file, observation_file, lens_file, lens_row, mask_file,
//   source_pixel_scale [arcsec], provenance.
// Figures (each image with its own stretch): <stem>_samples.svg the first 16 draws,
// <stem>_source.svg the mean, std and least-squares source, <stem>_image.svg the observation,
// the mean's model image and the residual / σ.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "apps/lensed_source.h"
#include "apps/progress_reporter.h"
#include "apps/simulation_file.h"
#include "core/row_moments.h"
#include "core/error.h"
#include "core/memory_budget.h"
#include "core/rng.h"
#include "io/data_shape_attributes.h"
#include "io/output_files.h"
#include "io/provenance.h"
#include "sbi/image_grid.h"
#include "sbi/image_prior_file.h"
#include "sbi/regularized_least_squares.h"
#include "sbi/simulation_data.h"
#include "sbi/x_mask.h"

namespace sbi::app {
namespace {

std::string stem_of(const std::string& path) {
  const size_t dot = path.rfind('.');
  const size_t slash = path.rfind('/');
  return dot != std::string::npos && (slash == std::string::npos || dot > slash) ? path.substr(0, dot) : path;
}

// The one observed image of --observation: /x of (npix, npix) or (1, npix, npix).
Eigen::VectorXd read_lensed_image(const std::string& path, int npix) {
  io::H5File f = io::H5File::open_read(path);
  core::check(f.is_dataset("/x"), "--observation " + path + " has no /x dataset (the lensed image)");
  const std::vector<size_t> shape = f.shape("/x");
  const size_t n = static_cast<size_t>(npix);
  const bool one = (shape.size() == 2 && shape[0] == n && shape[1] == n) ||
                   (shape.size() == 3 && shape[0] == 1 && shape[1] == n && shape[2] == n);
  std::string text;
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  core::check(one, "--observation " + path + ": /x has shape (" + text + "); sbi reconstruct takes one image of " +
                       std::to_string(npix) + " x " + std::to_string(npix) +
                       " pixels (--param npix, default 48), (npix, npix) or (1, npix, npix)");
  const std::vector<double> values = f.read_array("/x", nullptr);
  Eigen::VectorXd y = Eigen::Map<const Eigen::VectorXd>(values.data(), static_cast<Eigen::Index>(values.size()));
  for (Eigen::Index p = 0; p < y.size(); ++p)
    core::check(std::isfinite(y[p]), "--observation " + path + ": /x has a NaN or infinite pixel at (" +
                                         std::to_string(p / npix) + ", " + std::to_string(p % npix) +
                                         "); mask it (--mask) and give it a finite value");
  return y;
}

std::pair<std::vector<size_t>, std::vector<double>> as_image(const Eigen::MatrixXd& m, int rows, int cols) {
  std::vector<size_t> dims;
  if (m.cols() > 1) dims.push_back(static_cast<size_t>(m.cols()));
  dims.push_back(static_cast<size_t>(rows));
  dims.push_back(static_cast<size_t>(cols));
  return {dims, std::vector<double>(m.data(), m.data() + m.size())};
}

std::string grid_svg(const Eigen::MatrixXd& images, const core::DataShape& shape, const std::string& title,
                     int columns) {
  ImageGridOptions o;
  o.columns = columns;
  o.pixel_size = std::max(2.0, 144.0 / std::max(shape.height, shape.width));
  o.title = title;
  o.per_image_scale = true;
  return image_grid_svg(images, shape, o);
}

}  // namespace

int cmd_reconstruct(const Invocation& inv) {
  Flags flags(inv.args, command_spec("reconstruct"));
  const std::string prior_path = flags.required("prior");
  const std::string obs_path = flags.required("observation");
  const std::string out_path = flags.required("out");
  const std::string mask_path = flags.get("mask", "");
  std::vector<std::string> inputs = lensed_source_inputs(flags);
  for (const std::string& p : {prior_path, obs_path, mask_path}) inputs.push_back(p);
  io::OutputFiles out(inputs);
  out.add(out_path);
  const std::string samples_svg = stem_of(out_path) + "_samples.svg";
  const std::string source_svg = stem_of(out_path) + "_source.svg";
  const std::string image_svg = stem_of(out_path) + "_image.svg";
  for (const std::string& figure : {samples_svg, source_svg, image_svg}) out.add(figure);

  diffusion::PosteriorSamplingOptions sampling;
  sampling.guidance = flags.get_choice("guidance", sampling.guidance, diffusion::parse_guidance);
  sampling.sde.steps = flags.get_int32("sde-steps", sampling.sde.steps);
  sampling.sde.corrector_steps = flags.get_int32("corrector-steps", sampling.sde.corrector_steps);
  sampling.sde.snr = flags.get_double("snr", sampling.sde.snr);
  core::check_valid(sampling, "sbi reconstruct");
  const long num = flags.get_int("num", 64);
  core::check(num >= 1, "--num must be >= 1");
  const double lambda = flags.has("lambda") ? flags.get_double("lambda", 0) : -1;
  core::check(!flags.has("lambda") || lambda >= 0, "--lambda must be >= 0");
  const std::uint64_t seed = flags.get_seed("seed", 0);
  set_threads(flags.get_int("threads", 0));

  const diffusion::ImagePrior prior = load_image_prior(prior_path);
  const core::DataShape& shape = prior.shape();
  core::check(shape.is_image() && shape.channels <= 1,
              "--prior " + prior_path + " is a prior over " + shape.describe() + "; a source is one-channel image");
  core::check_memory(8.0 * static_cast<double>(num) * prior.dim(), "--num " + std::to_string(num) + " draws");
  const LensedSource model = lensed_source(flags, shape.height, shape.width);
  const int npix = model.lensing->config().npix;
  const Eigen::VectorXd y = read_lensed_image(obs_path, npix);
  Eigen::VectorXd use = Eigen::VectorXd::Ones(y.size());
  if (!mask_path.empty()) use = read_x_mask(mask_path, core::DataShape::image(npix, npix), "--mask").cast<double>();
  const Eigen::VectorXd& sigma = model.lensing->pixel_sigma();

  // The used pixels' rows of y = A s + n.
  std::vector<Eigen::Index> rows;
  for (Eigen::Index p = 0; p < y.size(); ++p)
    if (use[p] != 0) {
      core::check(sigma[p] > 0, "pixel (" + std::to_string(p / npix) + ", " + std::to_string(p % npix) +
                                    ") has noise sigma 0: a Gaussian likelihood needs sigma > 0 "
                                    "(--param noise_sigma, or the noise map)");
      rows.push_back(p);
    }
  core::check(!rows.empty(), "--mask " + mask_path + " leaves no pixel to use");
  Eigen::SparseMatrix<double> select(static_cast<Eigen::Index>(rows.size()), y.size());
  for (size_t i = 0; i < rows.size(); ++i) select.insert(static_cast<Eigen::Index>(i), rows[i]) = 1.0;
  diffusion::LinearObservation observation;
  observation.forward = select * model.forward;
  observation.y = select * y;
  observation.sigma = select * sigma;

  log_line("reconstructing the %d x %d source (%g\" pixels) from %zu pixels of %s with %s guidance, "
           "%d SDE steps: %ld draws", shape.height, shape.width, model.grid.pixel_scale, rows.size(),
           obs_path.c_str(), diffusion::guidance_name(sampling.guidance).c_str(), sampling.sde.steps, num);
  core::Rng rng(seed, 0);
  const Eigen::MatrixXd samples = prior.posterior_sample(observation, sampling, num, &rng);
  const core::RowMoments moments = core::row_moments(samples);
  const Eigen::VectorXd &mean = moments.mean, &std_dev = moments.sd;
  const RegularizedLeastSquares least_squares = regularized_least_squares(observation, lambda);

  const Eigen::VectorXd model_image = model.forward * mean;
  const Eigen::VectorXd least_squares_model = model.forward * least_squares.solution;
  Eigen::VectorXd residual = ((y - model_image).array() / sigma.array().max(1e-300)).matrix();
  residual = residual.cwiseProduct(use);
  const double chi2 = residual.squaredNorm();
  const double m = static_cast<double>(rows.size());
  log_line("posterior mean: chi^2 %.1f over %zu pixels, reduced %.3f; least squares (lambda %.3g): reduced %.3f",
           chi2, rows.size(), chi2 / m, least_squares.lambda, least_squares.chi2 / m);

  const core::DataShape image_shape = core::DataShape::image(npix, npix);
  Eigen::MatrixXd shown_samples = samples.leftCols(std::min<long>(num, 16));
  Eigen::MatrixXd top(y.size(), 3);
  top << y, model_image, residual;
  Eigen::MatrixXd bottom(mean.size(), 3);
  bottom << mean, std_dev, least_squares.solution;
  out.write_text(samples_svg, grid_svg(shown_samples, shape, "posterior draws of the source", 4));
  out.write_text(image_svg, grid_svg(top, image_shape, "observation | model of the mean | residual / sigma", 3));
  out.write_text(source_svg, grid_svg(bottom, shape, "posterior mean | posterior std | regularised least squares", 3));

  out.write_hdf5(out_path, [&](io::H5File& f) {
    io::Provenance p = provenance_of(inv, seed);
    p.parameter_names = model.lens_names();
    io::stamp_provenance(f, p);
    const auto write = [&](const char* name, const Eigen::MatrixXd& v, int r, int c) {
      const auto [dims, values] = as_image(v, r, c);
      f.write_array(name, dims, values);
    };
    write("/samples", samples, shape.height, shape.width);
    write("/mean", mean, shape.height, shape.width);
    write("/std", std_dev, shape.height, shape.width);
    write("/least_squares", least_squares.solution, shape.height, shape.width);
    write("/model", model_image, npix, npix);
    write("/residual", residual, npix, npix);
    write("/least_squares_model", least_squares_model, npix, npix);
    f.write_matrix("/theta", Eigen::MatrixXd(model.lens));
    f.set_attr("/", "chi2", chi2);
    f.set_attr("/", "num_pixels", static_cast<std::int64_t>(rows.size()));
    f.set_attr("/", "reduced_chi2", chi2 / m);
    f.set_attr("/", "least_squares_lambda", least_squares.lambda);
    f.set_attr("/", "least_squares_reduced_chi2", least_squares.chi2 / m);
    f.set_attr("/", "guidance", diffusion::guidance_name(sampling.guidance));
    f.set_attr("/", "sde_steps", static_cast<std::int64_t>(sampling.sde.steps));
    f.set_attr("/", "corrector_steps", static_cast<std::int64_t>(sampling.sde.corrector_steps));
    f.set_attr("/", "retained_variance", prior.basis().retained_fraction());
    f.set_attr("/", "prior_file", prior_path);
    f.set_attr("/", "observation_file", obs_path);
    f.set_attr("/", "lens_file", flags.get("lens", ""));
    f.set_attr("/", "lens_row", static_cast<std::int64_t>(flags.get_int("lens-row", 0)));
    f.set_attr("/", "mask_file", mask_path);
    f.set_attr("/", "source_pixel_scale", model.grid.pixel_scale);
  });
  out.commit();
  log_line("wrote %s, %s, %s and %s", out_path.c_str(), samples_svg.c_str(), source_svg.c_str(), image_svg.c_str());
  return 0;
}

}  // namespace sbi::app
