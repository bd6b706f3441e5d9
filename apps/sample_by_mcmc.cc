#include "apps/sample_by_mcmc.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "apps/progress_reporter.h"
#include "core/row_moments.h"
#include "core/error.h"
#include "core/memory_budget.h"
#include "core/prior_file.h"
#include "io/posterior_file.h"
#include "sbi/mcmc_diagnostics.h"
#include "sbi/simulation_data.h"
#include "sbi/likelihood_posterior.h"
#include "sbi/slice_sampler.h"

namespace sbi::app {
int sample_by_mcmc(const Invocation& inv, const Flags& flags, const PosteriorModel& model,
                   const std::string& model_path, const std::string& obs_path, const std::string& out_path,
                   io::OutputFiles* out) {
  core::check(flags.has("prior"), model_path + " is a likelihood model (sbi train --target x): its posterior "
                                  "needs a prior, --prior SPEC|FILE (the prior of its training simulations)");
  core::check(!flags.on("no-prior-restriction"), "--no-prior-restriction: the prior is part of the "
                                                 "posterior a likelihood model is sampled from");
  const core::PriorDescription prior_description = core::read_prior_argument(flags.get("prior", ""));
  const core::Prior& prior = prior_description.prior;
  const int theta_dim = model.x_dim();  // the roles of a likelihood model
  core::check(prior.dim() == theta_dim, "--prior has " + std::to_string(prior.dim()) + " parameter(s), the model " +
                                            model_path + " is conditioned on " + std::to_string(theta_dim));
  const int chains = static_cast<int>(flags.get_int("chains", 4));
  core::check(chains >= 2 && chains <= 1000, "--chains must be in [2, 1000] (R-hat needs several chains)");
  const long num = flags.get_int("num", 10000);
  core::check(num >= 4L * chains && num % chains == 0,
              "--num " + std::to_string(num) + " must be a multiple of --chains " + std::to_string(chains) +
                  " with at least 4 draws per chain");
  SliceSamplerOptions mcmc;
  mcmc.warmup = flags.get_int("warmup", 500);
  mcmc.draws = num / chains;
  mcmc.thin = flags.get_int("thin", 1);
  const std::uint64_t seed = flags.get_seed("seed", 0);
  core::check_valid(mcmc, "sbi sample");

  const Eigen::MatrixXd x = load_observations(obs_path, model.theta_dim());
  core::check_memory(8.0 * static_cast<double>(num) * x.cols() * (theta_dim + 1),
                     "--num " + std::to_string(num) + " draws for " + std::to_string(x.cols()) + " observation(s)");
  log_line("%s is a likelihood model: slice sampling of q(x | theta) p(theta), %d chains x (%ld warm-up + %ld "
           "draws%s) per observation, prior %s", model_path.c_str(), chains, mcmc.warmup, mcmc.draws,
           mcmc.thin > 1 ? (", thinned by " + std::to_string(mcmc.thin)).c_str() : "", prior.to_string().c_str());

  io::PosteriorDraws draws;
  draws.parameter_names = model.data_names;  // θ's names: the context side of a likelihood model
  draws.data_names = model.parameter_names;
  draws.observed_x = x;
  draws.num_chains = static_cast<size_t>(chains);
  double worst_rhat = 0, least_ess = std::numeric_limits<double>::infinity();
  long evaluations = 0;
  core::Stopwatch clock;
  ProgressReporter reporter;
  std::vector<std::vector<std::pair<double, double>>> diagnostics;  // per observation, per parameter
  for (Eigen::Index k = 0; k < x.cols(); ++k) {
    mcmc.seed = seed + static_cast<std::uint64_t>(k) * 0x9E3779B97F4A7C15ULL;
    const SliceChains result = sample_likelihood_posterior(model, x.col(k), prior, chains, mcmc);
    evaluations += result.evaluations;
    Eigen::MatrixXd all(theta_dim, num);
    Eigen::VectorXd lp(num);
    for (int c = 0; c < chains; ++c) {
      all.middleCols(c * mcmc.draws, mcmc.draws) = result.draws[static_cast<size_t>(c)];
      lp.segment(c * mcmc.draws, mcmc.draws) = result.log_density[static_cast<size_t>(c)];
    }
    draws.samples.push_back(all);
    draws.log_prob.push_back(lp);
    diagnostics.emplace_back();
    for (int d = 0; d < theta_dim; ++d) {
      const std::vector<Eigen::VectorXd> chain_d = coordinate_chains(result, d);
      const double r = rank_rhat(chain_d), n_eff = ess(chain_d);
      diagnostics.back().push_back({r, n_eff});
      worst_rhat = std::max(worst_rhat, r);
      least_ess = std::min(least_ess, n_eff);
    }
    reporter.callback()({"sample", k + 1, x.cols(), ""});
  }
  reporter.finish();
  const double seconds = clock.seconds();
  draws.provenance.command_line = inv.command_line;
  draws.provenance.seed = seed;
  draws.provenance.has_seed = true;
  draws.string_attrs = {{"model", model_path}, {"observation_file", obs_path},
                        {"estimator", model.density->kind() + " likelihood, slice sampling"},
                        {"prior", prior.to_string()}};
  draws.number_attrs = {{"rhat_max", worst_rhat}, {"ess_bulk_min", least_ess},
                        {"warmup", static_cast<double>(mcmc.warmup)}, {"thin", static_cast<double>(mcmc.thin)},
                        {"sampling_seconds", seconds}};
  for (int i = 0; i < theta_dim; ++i) {
    std::vector<double> rhat, ess_bulk;
    for (const auto& per_observation : diagnostics) {
      rhat.push_back(per_observation[static_cast<size_t>(i)].first);
      ess_bulk.push_back(per_observation[static_cast<size_t>(i)].second);
    }
    draws.sample_stats_attrs.emplace_back("rhat_" + draws.parameter_names[static_cast<size_t>(i)], rhat);
    draws.sample_stats_attrs.emplace_back("ess_bulk_" + draws.parameter_names[static_cast<size_t>(i)], ess_bulk);
  }
  io::write_posterior_file(*out, out_path, draws);
  out->commit();
  for (Eigen::Index k = 0; k < x.cols(); ++k) {
    const Eigen::MatrixXd& t = draws.samples[static_cast<size_t>(k)];
    const core::RowMoments moments = core::row_moments(t);
    const Eigen::VectorXd &mean = moments.mean, &sd = moments.sd;
    std::printf("observation %ld: %d chains x %ld draws\n", static_cast<long>(k), chains, mcmc.draws);
    std::printf("  %-16s %12s %12s %8s %9s\n", "parameter", "mean", "std", "R-hat", "ESS");
    for (int i = 0; i < theta_dim; ++i) {
      const auto [r, n_eff] = diagnostics[static_cast<size_t>(k)][static_cast<size_t>(i)];
      std::printf("  %-16s %12.5g %12.5g %8.4f %9.0f\n", draws.parameter_names[static_cast<size_t>(i)].c_str(),
                  mean[i], sd[i], r, n_eff);
    }
  }
  if (worst_rhat > 1.01)
    log_line("warning: R-hat up to %.3f (> 1.01): the chains have not mixed; run longer (--warmup, --num) "
             "or look at the chains (ArviZ reads %s)", worst_rhat, out_path.c_str());
  log_line("wrote %s: %ld observations x %ld draws (%d chains), R-hat <= %.4f, bulk ESS >= %.0f, %ld likelihood "
           "evaluations, %.3f s", out_path.c_str(), static_cast<long>(x.cols()), num, chains, worst_rhat, least_ess,
           evaluations, seconds);
  return 0;
}

}  // namespace sbi::app
