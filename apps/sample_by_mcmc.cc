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

namespace sbi::app {
namespace {

// The ensemble's walkers when --chains is not given: the fewest, at least max(32, 4 D) and
// even, that divide --num (every walker keeps as many draws).
int walkers_dividing(long num, int dim) {
  for (int w = default_walkers(dim) + default_walkers(dim) % 2; w <= 1000; w += 2)
    if (num % w == 0) return w;
  throw core::Error("--mcmc ensemble: no even number of walkers from " + std::to_string(default_walkers(dim)) +
                    " to 1000 divides --num " + std::to_string(num) + "; give --chains W and a --num it divides");
}

}  // namespace

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
  const McmcSampler sampler = parse_mcmc_sampler(flags.get("mcmc", "slice"));
  const bool ensemble = sampler == McmcSampler::kEnsemble;
  const long num = flags.get_int("num", 10000);
  const int chains = static_cast<int>(flags.get_int("chains", ensemble ? walkers_dividing(num, theta_dim) : 4));
  core::check(chains >= 2 && chains <= 1000, "--chains must be in [2, 1000] (R-hat needs several chains)");
  core::check(!ensemble || (chains >= 2 * theta_dim && chains % 2 == 0),
              "--mcmc ensemble: --chains (the walkers) must be even and at least 2 x " + std::to_string(theta_dim) +
                  " parameters");
  core::check(num >= 4L * chains && num % chains == 0,
              "--num " + std::to_string(num) + " must be a multiple of --chains " + std::to_string(chains) +
                  " with at least 4 draws per chain");
  LikelihoodMcmcOptions mcmc;
  mcmc.sampler = sampler;
  mcmc.chains = chains;
  mcmc.warmup = flags.get_int("warmup", 500);
  mcmc.draws = num / chains;
  mcmc.thin = flags.get_int("thin", 1);
  const std::uint64_t seed = flags.get_seed("seed", 0);
  core::check(mcmc.warmup >= 0 && mcmc.thin >= 1, "--warmup must be >= 0 and --thin >= 1");

  const Eigen::MatrixXd x = load_observations(obs_path, model.theta_dim());
  core::check_memory(8.0 * static_cast<double>(num) * x.cols() * (theta_dim + 1),
                     "--num " + std::to_string(num) + " draws for " + std::to_string(x.cols()) + " observation(s)");
  log_line("%s is a likelihood model: %s of q(x | theta) p(theta), %d %s x (%ld warm-up + %ld "
           "draws%s) per observation, prior %s", model_path.c_str(),
           ensemble ? "the affine-invariant ensemble sampler" : "slice sampling", chains, ensemble ? "walkers" : "chains",
           mcmc.warmup, mcmc.draws,
           mcmc.thin > 1 ? (", thinned by " + std::to_string(mcmc.thin)).c_str() : "", prior.to_string().c_str());

  io::PosteriorDraws draws;
  draws.parameter_names = model.data_names;  // θ's names: the context side of a likelihood model
  draws.data_names = model.parameter_names;
  draws.observed_x = x;
  draws.num_chains = static_cast<size_t>(chains);
  double worst_rhat = 0, least_ess = std::numeric_limits<double>::infinity();
  long evaluations = 0;
  std::vector<double> acceptance;  // the ensemble sampler's, per observation
  core::Stopwatch clock;
  ProgressReporter reporter;
  std::vector<std::vector<std::pair<double, double>>> diagnostics;  // per observation, per parameter
  for (Eigen::Index k = 0; k < x.cols(); ++k) {
    mcmc.seed = seed + static_cast<std::uint64_t>(k) * 0x9E3779B97F4A7C15ULL;
    const McmcChains result = sample_likelihood_posterior(model, x.col(k), prior, mcmc);
    evaluations += result.evaluations;
    acceptance.push_back(result.acceptance);
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
                        {"estimator", model.density->kind() + " likelihood, " + mcmc_sampler_name(sampler) +
                                          " sampling"},
                        {"sampler", mcmc_sampler_name(sampler)},
                        {"prior", prior.to_string()}};
  draws.number_attrs = {{"rhat_max", worst_rhat}, {"ess_bulk_min", least_ess},
                        {"warmup", static_cast<double>(mcmc.warmup)}, {"thin", static_cast<double>(mcmc.thin)},
                        {"sampling_seconds", seconds}};
  if (ensemble) draws.sample_stats_attrs.emplace_back("acceptance_rate", acceptance);
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
