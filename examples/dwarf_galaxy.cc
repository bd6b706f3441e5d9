// Dark-matter profiles of dwarf galaxies from stellar kinematics, with the library API:
// simulate star sets (R, v_los) from the dwarf task, train a neural posterior with a DeepSets
// embedding, infer (ρ0, r_s, γ, β, r_star) for two mock galaxies, a cusp (γ = 1) and a core
// (γ = 0), write posterior.h5 and print the posterior on γ; then check calibration of γ with
// simulation-based calibration (SBC; Talts et al. 2018) on fresh simulations.
// See examples/dwarf_galaxy/README.md for the budget and results.
//
// Writes posterior.h5 (both mocks), the trained model (dwarf_model.h5) and the mocks as
// catalogues (mock_cusp.h5, mock_core.h5) that `sbi sample` reads.
//
//   build/examples/example_dwarf_galaxy [--out posterior.h5] [--model dwarf_model.h5]
//       [--sims 40000] [--stars 300]
//       [--epochs 200] [--patience 20] [--hidden 32] [--estimator realnvp] [--sbc 200] [--sbc-draws 999] [--seed 1]
#include <boost/math/special_functions/gamma.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/progress.h"
#include "io/h5_file.h"
#include "io/posterior_file.h"
#include "sbi/model_file.h"
#include "sbi/posterior_sampler.h"
#include "sbi/trainer.h"
#include "simulators/batch.h"
#include "simulators/dwarf.h"

namespace {

using namespace sbi;

std::string flag(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return argv[i + 1];
  return fallback;
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * (v.size() - 1) + 0.5)];
}

// Two-sample Kolmogorov–Smirnov distance between two samples.
double ks_distance(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  double d = 0;
  for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    const double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] <= x) ++i;
    while (j < b.size() && b[j] <= x) ++j;
    d = std::max(d, std::abs(static_cast<double>(i) / a.size() - static_cast<double>(j) / b.size()));
  }
  return d;
}

// SBC uniformity of ranks r ∈ {0..L}: χ² over `bins` equal bins of the L + 1 values
// (p-value from the χ² distribution with bins - 1 degrees of freedom) and the one-sample
// KS test of u = (r + 0.5)/(L + 1) against U(0, 1) (asymptotic Kolmogorov p-value with
// Stephens' small-sample correction).
struct Uniformity {
  double chi2, chi2_p, ks, ks_p;
};
Uniformity uniformity(const std::vector<long>& ranks, long num_draws, int bins) {
  const double n = ranks.size();
  std::vector<double> count(bins, 0);
  for (long r : ranks) count[std::min<long>(bins - 1, r * bins / (num_draws + 1))] += 1;
  double chi2 = 0;
  for (double c : count) chi2 += (c - n / bins) * (c - n / bins) / (n / bins);
  std::vector<double> u;
  for (long r : ranks) u.push_back((r + 0.5) / (num_draws + 1));
  std::sort(u.begin(), u.end());
  double d = 0;
  for (size_t i = 0; i < u.size(); ++i) d = std::max({d, (i + 1) / n - u[i], u[i] - i / n});
  const double t = (std::sqrt(n) + 0.12 + 0.11 / std::sqrt(n)) * d;
  double p = 0;
  for (int k = 1; k <= 100; ++k) p += 2 * ((k % 2) ? 1 : -1) * std::exp(-2.0 * k * k * t * t);
  return {chi2, boost::math::gamma_q(0.5 * (bins - 1), 0.5 * chi2), d, std::clamp(p, 0.0, 1.0)};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string out = flag(argc, argv, "out", "posterior.h5");
  const long num_sims = std::atol(flag(argc, argv, "sims", "40000").c_str());
  const int stars = std::atoi(flag(argc, argv, "stars", "300").c_str());
  const int num_sbc = std::atoi(flag(argc, argv, "sbc", "200").c_str());
  const long sbc_draws = std::atol(flag(argc, argv, "sbc-draws", "999").c_str());
  const std::uint64_t seed = std::strtoull(flag(argc, argv, "seed", "1").c_str(), nullptr, 10);
  core::Stopwatch total;

  // 1. The task: galaxies of `stars` stars with 2 km/s velocity errors, the default prior.
  simulators::DwarfConfig config;
  config.num_stars = stars;
  const simulators::Task task = simulators::make_dwarf_task(config);
  const auto& sim = static_cast<const simulators::DwarfKinematics&>(*task.simulator);
  simulators::SimulateOptions sim_options;
  sim_options.seed = seed;
  const simulators::SimulationBatch sims = simulators::simulate_from_prior(task, num_sims, sim_options);
  std::printf("simulated %ld galaxies x %d stars in %.1f s\n", num_sims, stars, sims.seconds);

  // 2. NPE with a DeepSets embedding of the star set; x standardised per feature (R, v).
  ModelOptions model_options;
  model_options.density.kind = sbi::parse_density_kind(flag(argc, argv, "estimator", "realnvp"));
  model_options.embedding = parse_embedding_kind("deepsets");
  model_options.embedding_hidden = std::atoi(flag(argc, argv, "hidden", "32").c_str());
  model_options.embedding_dim = 16;
  model_options.seed = seed;
  const core::DataShape layout = core::DataShape::set(sim.set_size(), simulators::DwarfKinematics::kStarFeatures, sim.masked());
  PosteriorModel model = PosteriorModel::create(model_options, 5, sim.x_dim(), layout);
  model.prior = task.prior;
  model.parameter_names = sim.parameter_names();
  model.data_names = sim.data_names();
  TrainOptions train_options;
  train_options.seed = seed;
  train_options.max_epochs = std::atoi(flag(argc, argv, "epochs", "200").c_str());
  train_options.patience = std::atoi(flag(argc, argv, "patience", "20").c_str());
  train_options.on_epoch = [](const EpochReport& r) {
    if (r.record != nullptr)
      std::fprintf(stderr, "epoch %d: train %.4f validation %.4f\n", r.epoch, r.record->train_loss,
                   r.record->validation_loss);
    else
      std::fprintf(stderr, "%s\n", r.restart.c_str());
  };
  TrainSummary summary;
  train(train_options, sims.theta, sims.x, &model, &summary);
  std::printf("training: %s\n", summary.message.c_str());
  const std::string model_path = flag(argc, argv, "model", "dwarf_model.h5");
  io::Provenance provenance;
  provenance.command_line = "example_dwarf_galaxy";
  provenance.seed = seed;
  provenance.has_seed = true;
  save_model(model_path, model, summary, provenance);

  // 3. Two mock galaxies, r_s = 1 kpc, r_star = 0.25 kpc, isotropic, 2 km/s errors; ρ0 chosen
  // so both have σ_los ~ 11–13 km/s at R = r_star: a cusp (NFW) and a core.
  Eigen::MatrixXd truth(5, 2);
  truth.col(0) << 7.8, 0.0, 1.0, 0.0, std::log10(0.25);
  truth.col(1) << 8.6, 0.0, 0.0, 0.0, std::log10(0.25);
  const char* names[] = {"cusp", "core"};
  io::PosteriorDraws file;
  file.parameter_names = model.parameter_names;
  file.data_names = model.data_names;
  file.observed_x.resize(sim.x_dim(), 2);
  std::vector<std::vector<double>> gammas(2);
  for (int k = 0; k < 2; ++k) {
    core::Rng rng(seed + 1000, k);
    Eigen::VectorXd x(sim.x_dim());
    sim.simulate(truth.col(k), &rng, x);
    file.observed_x.col(k) = x;
    {
      // The mock as a survey catalogue: /x (N, 2) = (R [kpc], v_los [km/s]) per star,
      // /v_err (N,) [km/s], /theta (5,) the truth; `sbi sample --model <model> --observation
      // mock_cusp.h5` reads it like a real one.
      io::H5File cat = io::H5File::create(std::string("mock_") + names[k] + ".h5");
      cat.write_matrix("/x", Eigen::Map<const Eigen::MatrixXd>(x.data(), 2, stars));
      cat.write_vector("/v_err", Eigen::VectorXd::Constant(stars, config.v_err));
      cat.write_vector("/theta", truth.col(k));
    }
    SampleOptions sample_options;
    sample_options.seed = seed + 2000 + k;
    SampleSummary sample_summary;
    const PosteriorSamples post = sample_posterior(model, x, sample_options, &sample_summary);
    file.samples.push_back(post.theta);
    file.log_prob.push_back(post.log_prob);
    for (Eigen::Index j = 0; j < post.theta.cols(); ++j) gammas[k].push_back(post.theta(2, j));
    const auto& g = gammas[k];
    double mean = 0, sd = 0, above = 0;
    for (double v : g) mean += v / g.size();
    for (double v : g) {
      sd += (v - mean) * (v - mean) / (g.size() - 1);
      above += v > 0.5;
    }
    const double lo = quantile(g, 0.05), hi = quantile(g, 0.95);
    std::printf("%s (true gamma %.1f): gamma = %.2f +- %.2f, median %.2f, 90%% interval [%.2f, %.2f] %s;"
                " P(gamma > 0.5) = %.3f; acceptance %.3f\n",
                names[k], truth(2, k), mean, std::sqrt(sd), quantile(g, 0.5), lo, hi,
                lo <= truth(2, k) && truth(2, k) <= hi ? "contains the truth" : "MISSES the truth",
                above / g.size(), sample_summary.acceptance_rate);
    for (int i = 0; i < 5; ++i)
      std::printf("    %-14s mean %7.3f  sd %6.3f  true %7.3f\n", model.parameter_names[i].c_str(),
                  post.theta.row(i).mean(),
                  std::sqrt((post.theta.row(i).array() - post.theta.row(i).mean()).square().sum() /
                            (post.theta.cols() - 1)),
                  truth(i, k));
  }
  // Distinguishability: KS distance between the two γ posteriors (1 = disjoint), the
  // separation of the means in units of the combined sd, and P(γ_cusp > γ_core) for
  // independent draws from the two posteriors.
  double m0 = 0, m1 = 0, v0 = 0, v1 = 0, greater = 0;
  for (double v : gammas[0]) m0 += v / gammas[0].size();
  for (double v : gammas[1]) m1 += v / gammas[1].size();
  for (double v : gammas[0]) v0 += (v - m0) * (v - m0) / (gammas[0].size() - 1);
  for (double v : gammas[1]) v1 += (v - m1) * (v - m1) / (gammas[1].size() - 1);
  for (size_t i = 0; i < gammas[0].size(); ++i) greater += gammas[0][i] > gammas[1][i];
  std::printf("cusp vs core: KS distance %.3f, separation %.2f sd, P(gamma_cusp > gamma_core) = %.3f\n",
              ks_distance(gammas[0], gammas[1]), (m0 - m1) / std::sqrt(v0 + v1),
              greater / gammas[0].size());
  file.provenance.command_line = "example_dwarf_galaxy";
  file.provenance.seed = seed;
  file.provenance.has_seed = true;
  file.string_attrs = {{"observations", "0: cusp (gamma = 1), 1: core (gamma = 0)"}};
  file.number_attrs = {{"true_gamma_cusp", 1.0}, {"true_gamma_core", 0.0}};
  io::write_posterior_file(out, file);
  std::printf("wrote %s, %s, mock_cusp.h5, mock_core.h5\n", out.c_str(), model_path.c_str());

  // 4. SBC: θ_i ~ prior, x_i ~ simulator (streams not used in training), L posterior draws,
  // rank of the true θ_i among them; calibrated posteriors give uniform ranks.
  if (num_sbc > 0) {
    std::vector<std::vector<long>> ranks(5);
    Eigen::VectorXd mean_sd = Eigen::VectorXd::Zero(5);  // posterior sd, averaged
    core::Stopwatch sbc_clock;
    for (int i = 0; i < num_sbc; ++i) {
      core::Rng rng(seed + 3000, i);
      Eigen::VectorXd theta(5), x(sim.x_dim());
      task.prior.sample(&rng, theta);
      sim.simulate(theta, &rng, x);
      SampleOptions sample_options;
      sample_options.num_samples = sbc_draws;
      sample_options.seed = seed + 4000 + i;
      SampleSummary sample_summary;
      const PosteriorSamples post = sample_posterior(model, x, sample_options, &sample_summary);
      for (int d = 0; d < 5; ++d) {
        ranks[d].push_back((post.theta.row(d).array() < theta[d]).count());
        const double m = post.theta.row(d).mean();
        mean_sd[d] += std::sqrt((post.theta.row(d).array() - m).square().sum() / (sbc_draws - 1)) / num_sbc;
      }
    }
    std::printf("SBC: %d simulations, %ld draws each (%.1f s); chi^2 over 10 rank bins (9 dof) and KS:\n",
                num_sbc, sbc_draws, sbc_clock.seconds());
    const auto& marginals = task.prior.marginals();
    for (int d = 0; d < 5; ++d) {
      const Uniformity u = uniformity(ranks[d], sbc_draws, 10);
      const double prior_sd = (marginals[d].b - marginals[d].a) / std::sqrt(12.0);
      std::printf("    %-14s chi2 %6.2f  p = %.3f   KS D = %.3f  p = %.3f   mean posterior sd %.3f "
                  "(prior %.3f)\n",
                  model.parameter_names[d].c_str(), u.chi2, u.chi2_p, u.ks, u.ks_p, mean_sd[d], prior_sd);
    }
    std::printf("    gamma rank histogram (10 bins, %d expected each):", num_sbc / 10);
    std::vector<int> hist(10, 0);
    for (long r : ranks[2]) ++hist[std::min<long>(9, r * 10 / (sbc_draws + 1))];
    for (int h : hist) std::printf(" %d", h);
    std::printf("\n");
  }
  std::printf("total %.1f min\n", total.seconds() / 60);
  return 0;
}
