// sbi sample: posterior draws for every observation in an observation file.
#include <cmath>
#include <cstdio>

#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "apps/progress_reporter.h"
#include "apps/sample_by_mcmc.h"
#include "core/row_moments.h"
#include "core/error.h"
#include "core/memory_budget.h"
#include "io/h5_file.h"
#include "io/posterior_file.h"
#include "sbi/model_file.h"
#include "sbi/posterior_sampler.h"
#include "sbi/simulation_data.h"

namespace sbi::app {
namespace {

// The true parameters, when the observation file carries them as /theta ((D,) or (K, D)).
Eigen::MatrixXd read_truth(const std::string& path, int theta_dim, long k) {
  io::H5File f = io::H5File::open_read(path);
  if (!f.is_dataset("/theta")) return {};
  Eigen::MatrixXd t = f.read_matrix("/theta");
  if (f.shape("/theta").size() == 1) t.transposeInPlace();
  if (t.rows() != theta_dim || t.cols() != k) return {};
  return t;
}

}  // namespace

int cmd_sample(const Invocation& inv) {
  Flags flags(inv.args, command_spec("sample"));
  const std::string model_path = flags.required("model");
  const std::string obs_path = flags.required("observation");
  const std::string out_path = flags.required("out");
  set_threads(flags.get_int("threads", 0));
  SampleOptions options;
  options.num_samples = flags.get_int("num", options.num_samples);
  options.seed = flags.get_seed("seed", 0);
  options.restrict_to_prior = !flags.on("no-prior-restriction");
  core::check_valid(options, "");

  io::OutputFiles out({model_path, obs_path});
  out.add(out_path);
  const PosteriorModel model = load_model(model_path);
  if (model.is_likelihood()) return sample_by_mcmc(inv, flags, model, model_path, obs_path, out_path, &out);
  for (const char* name : {"prior", "chains", "warmup", "thin", "mcmc"})
    core::check(!flags.has(name), std::string("--") + name + " is for likelihood models (sbi train --target x); " +
                                      model_path + " is a posterior model: its draws are independent");
  check_model_target(model, ModelTarget::kTheta, model_path);
  ObservationInfo obs_info;
  const Eigen::MatrixXd x = load_observations(obs_path, model.x_dim(), model.x_shape, &obs_info);
  if (obs_info.catalogue) {
    log_line("%s: one catalogue of %ld rows (stars)%s", obs_path.c_str(), obs_info.rows,
             obs_info.rows < model.x_shape.set_size ? ", padded and masked to the model's set size" : "");
    if (obs_info.has_v_err)
      log_line("its /v_err has median %.3g; the model assumes the measurement error of its "
               "training simulations", obs_info.median_v_err);
  }
  core::check_memory(8.0 * static_cast<double>(options.num_samples) * x.cols() *
                         (model.theta_dim() + 1),
                     "--num " + std::to_string(options.num_samples) + " draws for " +
                         std::to_string(x.cols()) + " observation(s)");
  if (!model.prior) log_line("the model has no prior: samples are not restricted to a support");

  io::PosteriorDraws draws;
  draws.parameter_names = model.parameter_names;
  draws.data_names = model.data_names;
  draws.observed_x = x;
  ProgressReporter reporter;
  double seconds = 0;
  long accepted = 0, proposed = 0;
  for (Eigen::Index k = 0; k < x.cols(); ++k) {
    SampleOptions per_obs = options;
    per_obs.seed = options.seed + static_cast<std::uint64_t>(k) * 0x9E3779B97F4A7C15ULL;
    SampleSummary summary;
    PosteriorSamples s = sample_posterior(model, x.col(k), per_obs, &summary);
    draws.samples.push_back(std::move(s.theta));
    draws.log_prob.push_back(std::move(s.log_prob));
    seconds += summary.seconds;
    accepted += summary.accepted;
    proposed += summary.proposed;
    reporter.callback()({"sample", k + 1, x.cols(), ""});
  }
  reporter.finish();
  const double acceptance = static_cast<double>(accepted) / proposed;
  draws.provenance.command_line = inv.command_line;
  draws.provenance.seed = options.seed;
  draws.provenance.has_seed = true;
  draws.string_attrs = {{"model", model_path}, {"observation_file", obs_path},
                        {"estimator", model.density->kind()},
                        {"prior", model.prior ? model.prior->to_string() : std::string("none")}};
  draws.number_attrs = {{"acceptance_rate", acceptance}, {"sampling_seconds", seconds}};
  io::write_posterior_file(out, out_path, draws);
  out.commit();

  const Eigen::MatrixXd truth = read_truth(obs_path, model.theta_dim(), x.cols());
  for (Eigen::Index k = 0; k < x.cols(); ++k) {
    const Eigen::MatrixXd& t = draws.samples[k];
    const core::RowMoments moments = core::row_moments(t);
    const Eigen::VectorXd &mean = moments.mean, &sd = moments.sd;
    std::printf("observation %ld: %ld draws\n", static_cast<long>(k), static_cast<long>(t.cols()));
    std::printf("  %-16s %12s %12s%s\n", "parameter", "mean", "std", truth.size() ? "         true" : "");
    for (int i = 0; i < model.theta_dim(); ++i) {
      std::printf("  %-16s %12.5g %12.5g", model.parameter_names[i].c_str(), mean[i], sd[i]);
      if (truth.size()) std::printf(" %12.5g", truth(i, k));
      std::printf("\n");
    }
  }
  log_line("wrote %s: %ld observations x %ld draws, acceptance rate %.4f, %.3f s sampling",
           out_path.c_str(), static_cast<long>(x.cols()), options.num_samples, acceptance, seconds);
  return 0;
}

}  // namespace sbi::app
