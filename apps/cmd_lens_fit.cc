// sbi lens-fit: the classical lens model of each image in an observation file, fitted by least
// squares (sbi/lens_fit.h) from the mean of an NPE posterior (--start posterior.h5, written by
// `sbi sample` for the same observations) or from given parameters (--theta theta.h5, /theta
// of one row for every image or one row per image). The instrument is the lensing task's,
// from the same --param options as `sbi simulate` (npix, pixel_scale, supersample, psf_fwhm,
// psf_size, noise_sigma, psf_file=, noise_file=). --mask FILE: its /mask (npix x npix,
// 1 = use the pixel, 0 = ignore it).
//
// fit.h5:  /theta (K, 12) the fit (usable as `sbi plot corner --truth fit.h5`),
//          /sigma (K, 12) sqrt of the covariance's diagonal, /covariance (K, 12, 12),
//          /start (K, 12), /at_bound (K, 12) 1 where the fit sits on a bound of the prior,
//          /chi2, /initial_chi2, /reduced_chi2 (K,), /dof, /num_pixels, /iterations,
//          /converged (K,) int64, /model (K, npix, npix) the fitted noise-free image;
//          root: provenance, task, prior, observation_file, start_file, start ("posterior
//          mean" or "theta"), mask_file, termination and message (one string per image).
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "apps/progress_reporter.h"
#include "apps/task_from_flags.h"
#include "core/error.h"
#include "io/h5_file.h"
#include "io/output_files.h"
#include "io/posterior_file.h"
#include "io/provenance.h"
#include "sbi/lens_fit.h"
#include "sbi/simulation_data.h"
#include "sbi/x_mask.h"
#include "simulators/lensing.h"
#include "simulators/registry.h"

namespace sbi::app {
namespace {

// Checks that --observation holds one npix x npix image or K of them, with a message that
// names the instrument's size (load_observations then reads them and refuses NaN and Inf).
void check_image_shape(const std::string& path, int npix) {
  io::H5File f = io::H5File::open_read(path);
  core::check(f.is_dataset("/x"), "--observation " + path + " has no /x dataset (the images)");
  const std::vector<size_t> shape = f.shape("/x");
  const size_t n = static_cast<size_t>(npix);
  const bool one = shape.size() == 2 && shape[0] == n && shape[1] == n;
  const bool several = shape.size() == 3 && shape[0] >= 1 && shape[1] == n && shape[2] == n;
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  const std::string side = std::to_string(npix);
  core::check(one || several, "--observation " + path + ": /x has shape " + text +
                                  "), but the lensing images are " + side + " x " + side +
                                  " pixels (--param npix, default 48): give (" + side + ", " +
                                  side + ") or (K, " + side + ", " + side + ")");
}

// The mask of --mask FILE (its /mask, npix x npix of 0 and 1, as `sbi train --mask` reads
// it), as npix² values row-major like the images.
Eigen::VectorXd read_mask(const std::string& path, int npix) {
  return read_x_mask(path, core::DataShape::image(npix, npix), "--mask").cast<double>();
}

// The start of each of the K images (12 x K): the posterior mean of each observation (moved
// into the prior's support if it is outside), or the rows of /theta.
Eigen::MatrixXd read_starts(const Flags& flags, const std::vector<std::string>& names,
                            const core::Prior& prior, long k_obs, const Eigen::MatrixXd& x) {
  if (flags.has("start")) {
    const std::string path = flags.get("start", "");
    const io::PosteriorDraws draws = io::read_posterior_file(path);
    core::check(draws.parameter_names == names,
                "--start " + path + ": the posterior's parameters are not the lensing task's "
                                    "12 (theta_E, q, ..., src_amp), in order");
    const long k_post = static_cast<long>(draws.samples.size());
    core::check(k_post == k_obs, "--start " + path + " holds the posterior of " +
                                     std::to_string(k_post) + " observation(s), --observation " +
                                     std::to_string(k_obs));
    if (draws.observed_x.rows() == x.rows() && draws.observed_x.cols() == k_obs &&
        draws.observed_x != x)
      log_line("warning: --start %s was sampled for other data than --observation (its "
               "/observed_data differs)", path.c_str());
    // Draws sampled with --no-prior-restriction may leave the support, and their mean too:
    // the fit starts from the nearest point of the support.
    const Eigen::VectorXd low = prior.lower(), high = prior.upper();
    Eigen::MatrixXd starts(12, k_obs);
    for (long k = 0; k < k_obs; ++k) {
      starts.col(k) = draws.samples[k].rowwise().mean();
      for (int i = 0; i < 12; ++i) {
        const double mean = starts(i, k);
        starts(i, k) = std::min(std::max(mean, low[i]), high[i]);
        if (starts(i, k) != mean)
          log_line("--start %s: observation %ld: the posterior mean of %s, %g, is outside the "
                   "prior's support; starting from %g", path.c_str(), k, names[i].c_str(), mean,
                   starts(i, k));
      }
    }
    return starts;
  }
  const std::string path = flags.get("theta", "");
  io::H5File f = io::H5File::open_read(path);
  core::check(f.is_dataset("/theta"), "--theta " + path + " has no /theta dataset");
  const Eigen::MatrixXd theta = f.read_matrix("/theta", 12, io::NanPolicy::kReject);
  core::check(theta.cols() == 1 || theta.cols() == k_obs,
              "--theta " + path + ": /theta has " + std::to_string(theta.cols()) +
                  " rows; give one for every image or one per image (" + std::to_string(k_obs) +
                  ")");
  return theta.cols() == k_obs ? theta : Eigen::MatrixXd(theta.replicate(1, k_obs));
}

}  // namespace

int cmd_lens_fit(const Invocation& inv) {
  Flags flags(inv.args, command_spec("lens-fit"));
  const std::string obs_path = flags.required("observation");
  const std::string out_path = flags.required("out");
  core::check(flags.has("start") != flags.has("theta"),
              "give either --start posterior.h5 (its mean) or --theta theta.h5, one of them");
  LensFitOptions options;
  options.max_iterations = flags.get_int32("max-iterations", options.max_iterations);
  core::check_valid(options, "--max-iterations");

  std::vector<std::string> inputs = {obs_path, flags.get("start", ""), flags.get("theta", ""),
                                     flags.get("mask", "")};
  for (const auto& [key, value] : flags.key_values("param"))
    if (key == "psf_file" || key == "noise_file") inputs.push_back(value);
  io::OutputFiles out(inputs);
  out.add(out_path);

  const simulators::Task task =
      simulators::make_task("lensing", flags.key_values("param"), read_2d_dataset);
  const auto& lensing = static_cast<const simulators::StrongLensing&>(*task.simulator);
  const int npix = lensing.config().npix;
  check_image_shape(obs_path, npix);
  const Eigen::MatrixXd x =
      load_observations(obs_path, lensing.x_dim(), core::DataShape::image(npix, npix));
  const long k_obs = x.cols();
  const std::vector<std::string> names = lensing.parameter_names();
  const Eigen::MatrixXd starts = read_starts(flags, names, task.prior, k_obs, x);
  const Eigen::VectorXd mask =
      flags.has("mask") ? read_mask(flags.get("mask", ""), npix) : Eigen::VectorXd();

  std::vector<LensFitSummary> fits(k_obs);
  for (long k = 0; k < k_obs; ++k) {
    try {
      fit_lens(lensing, task.prior, x.col(k), mask, starts.col(k), options, &fits[k]);
    } catch (const core::Error& e) {
      throw core::Error((k_obs > 1 ? "observation " + std::to_string(k) + ": " : "") + e.what());
    }
  }

  out.write_hdf5(out_path, [&](io::H5File& f) {
    io::Provenance p;
    p.command_line = inv.command_line;
    p.parameter_names = names;
    p.data_names = lensing.data_names();
    io::stamp_provenance(f, p);
    f.set_attr("/", "task", lensing.name());
    f.set_attr("/", "prior", task.prior.to_string());
    f.set_attr("/", "observation_file", obs_path);
    f.set_attr("/", "start_file", flags.has("start") ? flags.get("start", "") : flags.get("theta", ""));
    f.set_attr("/", "start", flags.has("start") ? "posterior mean" : "theta");
    f.set_attr("/", "mask_file", flags.get("mask", ""));
    Eigen::MatrixXd theta(12, k_obs), sigma(12, k_obs), start(12, k_obs), at_bound(12, k_obs);
    Eigen::VectorXd chi2(k_obs), initial_chi2(k_obs), reduced(k_obs);
    std::vector<std::int64_t> dof(k_obs), pixels(k_obs), iterations(k_obs), converged(k_obs);
    std::vector<double> covariance, model;
    std::vector<std::string> termination(k_obs), message(k_obs);
    for (long k = 0; k < k_obs; ++k) {
      const LensFitSummary& s = fits[k];
      theta.col(k) = s.theta;
      sigma.col(k) = s.sigma;
      start.col(k) = s.start;
      for (int i = 0; i < 12; ++i) at_bound(i, k) = s.at_bound[i] ? 1 : 0;
      chi2[k] = s.chi2;
      initial_chi2[k] = s.initial_chi2;
      reduced[k] = s.reduced_chi2;
      dof[k] = s.dof;
      pixels[k] = s.num_pixels;
      iterations[k] = s.iterations;
      converged[k] = s.converged ? 1 : 0;
      termination[k] = s.termination;
      message[k] = s.message;
      for (int i = 0; i < 12; ++i)
        for (int j = 0; j < 12; ++j) covariance.push_back(s.covariance(i, j));
      model.insert(model.end(), s.model_image.data(), s.model_image.data() + s.model_image.size());
    }
    f.write_matrix("/theta", theta);
    f.write_matrix("/sigma", sigma);
    f.write_array("/covariance", {static_cast<size_t>(k_obs), 12, 12}, covariance);
    f.write_matrix("/start", start);
    f.write_matrix("/at_bound", at_bound);
    f.write_vector("/chi2", chi2);
    f.write_vector("/initial_chi2", initial_chi2);
    f.write_vector("/reduced_chi2", reduced);
    f.write_int64_vector("/dof", dof);
    f.write_int64_vector("/num_pixels", pixels);
    f.write_int64_vector("/iterations", iterations);
    f.write_int64_vector("/converged", converged);
    f.write_array("/model",
                  {static_cast<size_t>(k_obs), static_cast<size_t>(npix), static_cast<size_t>(npix)},
                  model);
    f.set_attr("/", "termination", termination);
    f.set_attr("/", "message", message);
  });
  out.commit();

  for (long k = 0; k < k_obs; ++k) {
    const LensFitSummary& s = fits[k];
    std::printf("observation %ld: %s after %d iterations, %.3f s\n", k, s.termination.c_str(),
                s.iterations, s.seconds);
    std::printf("  chi2 = %.6g, dof = %ld (%ld pixels - 12 parameters), chi2/dof = %.4f "
                "(at the start: chi2 = %.6g)\n",
                s.chi2, s.dof, s.num_pixels, s.reduced_chi2, s.initial_chi2);
    std::printf("  %-10s %14s %14s %14s\n", "parameter", "start", "fit", "sigma");
    for (int i = 0; i < 12; ++i)
      std::printf("  %-10s %14.6g %14.6g %14.4g%s\n", names[i].c_str(), s.start[i], s.theta[i],
                  s.sigma[i], s.at_bound[i] ? "  (on a bound of the prior)" : "");
    if (!s.covariance_ok) std::printf("  %s\n", s.message.c_str());
  }
  return 0;
}

}  // namespace sbi::app
