// sbi infer: sequential inference for one observation. Rounds of propose -> simulate -> train:
// round 1 draws θ from the prior; round r > 1 from what the model of round r - 1 says about
// the observation (sbi/sequential_proposals.h): TSNPE's truncated prior, SNPE-C's posterior,
// or SNLE's posterior by MCMC. Every round trains a fresh model (or --ensemble K of them,
// mixed) on all rounds' pairs. Each round's simulations (a simulation file, with how its θ
// were drawn) and model go to OUT.rounds/, atomically; --resume continues after the last
// finished round, bit for bit the run that was never stopped. The final posterior is drawn
// from the last model as `sbi sample` does.
#include <cmath>
#include <cstdio>
#include <functional>
#include <filesystem>
#include <optional>

#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "apps/progress_reporter.h"
#include "apps/simulation_file.h"
#include "apps/task_from_flags.h"
#include "apps/train_flags.h"
#include "apps/training_checkpoint.h"
#include "core/digest.h"
#include "core/error.h"
#include "core/prior_file.h"
#include "core/row_moments.h"
#include "io/h5_file.h"
#include "io/output_files.h"
#include "sbi/atomic_npe.h"
#include "sbi/model_file.h"
#include "sbi/posterior_sampler.h"
#include "sbi/sequential_proposals.h"
#include "sbi/simulation_data.h"
#include "sbi/trainer.h"
#include "simulators/batch.h"
#include "simulators/plugin.h"

namespace sbi::app {
namespace {

enum class Method { kTsnpe, kSnpeC, kSnle };

// What the rounds simulate with: a built-in task or a simulator plugin, and its prior.
struct SimulatorSource {
  std::string name;
  int theta_dim = 0, x_dim = 0;
  core::DataShape x_shape;
  std::vector<std::string> parameter_names, data_names;
  core::Prior prior = core::Prior::parse("uniform(0,1)");
  std::string prior_file;  // where --prior came from, if a file
  // The simulations at the columns of theta, row i on the stream (seed, i); failed ones (a
  // plugin's) dropped from *theta_out and *x_out and counted.
  std::function<void(const Eigen::MatrixXd& theta, const simulators::SimulateOptions& options,
                     Eigen::MatrixXd* theta_out, Eigen::MatrixXd* x_out, long* failed)>
      simulate;
};

// --task NAME [--param ...] [--prior] or --plugin LIB.so --prior SPEC|FILE.
SimulatorSource simulator_source(const Flags& flags, std::optional<simulators::Task>* task,
                                 std::optional<simulators::Plugin>* plugin) {
  SimulatorSource s;
  core::check(flags.has("task") != flags.has("plugin"), "give either --task NAME or --plugin LIB.so (with --prior)");
  if (flags.has("prior")) {
    const core::PriorDescription prior = core::read_prior_argument(flags.get("prior", ""));
    s.prior = prior.prior;
    s.prior_file = prior.file;
  }
  if (flags.has("plugin")) {
    core::check(flags.has("prior"), "--plugin needs --prior SPEC|FILE (a plugin has no prior)");
    core::check(!flags.has("param"), "--param sets a built-in task; a plugin takes none");
    plugin->emplace(flags.get("plugin", ""));
    const simulators::Plugin& p = **plugin;
    s.name = p.name();
    s.theta_dim = p.theta_dim();
    s.x_dim = p.x_dim();
    s.x_shape = p.x_shape();
    s.parameter_names = p.parameter_names();
    s.data_names = p.data_names();
    s.simulate = [&p](const Eigen::MatrixXd& theta, const simulators::SimulateOptions& o, Eigen::MatrixXd* t,
                      Eigen::MatrixXd* x, long* failed) {
      const simulators::PluginBatch batch = simulators::simulate_plugin_at(p, theta, o, false);
      std::vector<Eigen::Index> kept;
      for (size_t i = 0; i < batch.failed.size(); ++i)
        if (batch.failed[i] == 0) kept.push_back(static_cast<Eigen::Index>(i));
      *t = batch.theta(Eigen::all, kept);
      *x = batch.x(Eigen::all, kept);
      *failed = batch.num_failed;
    };
  } else {
    task->emplace(task_from_flags(flags));
    const simulators::Simulator& sim = *(*task)->simulator;
    if (!flags.has("prior")) s.prior = (*task)->prior;
    s.name = sim.name();
    s.theta_dim = sim.theta_dim();
    s.x_dim = sim.x_dim();
    s.x_shape = sim.x_shape();
    s.parameter_names = sim.parameter_names();
    s.data_names = sim.data_names();
    s.simulate = [&sim](const Eigen::MatrixXd& theta, const simulators::SimulateOptions& o, Eigen::MatrixXd* t,
                        Eigen::MatrixXd* x, long* failed) {
      const simulators::SimulationBatch batch = simulators::simulate_at(sim, theta, o);
      *t = batch.theta;
      *x = batch.x;
      *failed = 0;
    };
  }
  core::check(s.prior.dim() == s.theta_dim, "--prior has " + std::to_string(s.prior.dim()) + " parameter(s), " +
                                                s.name + " takes " + std::to_string(s.theta_dim));
  return s;
}

// The streams of round r: every draw of the round comes from (seed, r)-derived seeds.
std::uint64_t round_seed(std::uint64_t seed, int round, std::uint64_t purpose) {
  core::Rng mix(seed, 0x1F000000ULL + static_cast<std::uint64_t>(round) * 16 + purpose);
  return mix.next_u64();
}

std::string round_name(const std::string& folder, const char* what, int round) {
  char name[32];
  std::snprintf(name, sizeof name, "%s_%03d.h5", what, round);
  return (std::filesystem::path(folder) / name).string();
}

// "theta_0 0.21, theta_1 0.034": the spread of a round's θ per parameter.
std::string spreads(const Eigen::MatrixXd& theta, const std::vector<std::string>& names) {
  const core::RowMoments m = core::row_moments(theta);
  std::string out;
  for (Eigen::Index i = 0; i < theta.rows(); ++i) {
    char part[96];
    std::snprintf(part, sizeof part, "%s%s %.3g", i ? ", " : "", names[static_cast<size_t>(i)].c_str(), m.sd[i]);
    out += part;
  }
  return out;
}

// Appends the columns of `more` to *all.
void append_columns(const Eigen::MatrixXd& more, Eigen::MatrixXd* all) {
  all->conservativeResize(Eigen::NoChange, all->cols() + more.cols());
  all->rightCols(more.cols()) = more;
}

}  // namespace

int cmd_infer(const Invocation& inv) {
  Flags flags(inv.args, command_spec("infer"));
  const std::string obs_path = flags.required("observation");
  const std::string out_path = flags.required("out");
  const std::string method_name = flags.get("method", "tsnpe");
  core::check(method_name == "tsnpe" || method_name == "snpe-c" || method_name == "snle",
              "--method expects tsnpe, snpe-c or snle, got '" + method_name + "'");
  const Method method = method_name == "tsnpe" ? Method::kTsnpe : method_name == "snpe-c" ? Method::kSnpeC : Method::kSnle;
  const long num_atoms = flags.get_int("num-atoms", 10);
  core::check(num_atoms >= 2 && num_atoms <= 1000, "--num-atoms must be in 2..1000");
  const long rounds = flags.get_int("rounds", 10);
  const long per_round = flags.get_int("num-per-round", 1000);
  core::check(rounds >= 1 && rounds <= 1000, "--rounds must be in 1..1000, got " + std::to_string(rounds));
  core::check(per_round >= 10, "--num-per-round must be >= 10, got " + std::to_string(per_round));
  const std::uint64_t seed = flags.get_seed("seed", 0);
  const int threads = set_threads(flags.get_int("threads", 0));
  const std::string folder = flags.get("rounds-folder", out_path + ".rounds");

  std::optional<simulators::Task> task_holder;
  std::optional<simulators::Plugin> plugin_holder;
  const SimulatorSource simulator = simulator_source(flags, &task_holder, &plugin_holder);
  const core::Prior& prior = simulator.prior;
  const core::DataShape x_shape = simulator.x_shape;
  const Eigen::MatrixXd observations = load_observations(obs_path, simulator.x_dim, x_shape);
  core::check(observations.cols() == 1, obs_path + " holds " + std::to_string(observations.cols()) +
                                            " observations; sequential inference spends its simulations on one "
                                            "(run one sbi infer per observation)");
  const Eigen::VectorXd x_o = observations.col(0);

  // The output and the rounds' files are checked before the first simulation.
  std::vector<std::string> inputs = task_input_files(flags);
  inputs.push_back(obs_path);
  inputs.push_back(simulator.prior_file);
  inputs.push_back(flags.get("plugin", ""));
  { io::OutputFiles probe(inputs); probe.add(out_path); }

  ModelOptions model_options = model_options_from(flags);
  TrainOptions train_options = train_options_from(flags, model_options.density.kind);
  TruncationOptions truncation;
  truncation.tail_mass = flags.get_double("tail-mass", truncation.tail_mass);
  core::check_valid(truncation, "--tail-mass");
  const long ensemble = flags.get_int("ensemble", 1);
  core::check(ensemble >= 1 && ensemble <= 100, "--ensemble must be in 1..100, got " + std::to_string(ensemble));
  const int chains = static_cast<int>(flags.get_int("chains", 100));
  const long warmup = flags.get_int("warmup", 100);
  const McmcSampler mcmc_sampler = parse_mcmc_sampler(flags.get("mcmc", "slice"));
  if (mcmc_sampler == McmcSampler::kEnsemble)
    core::check(method == Method::kSnle && chains >= 2 * simulator.theta_dim && chains % 2 == 0,
                "--mcmc ensemble is snle's, and its walkers (--chains) must be even and at least 2 x " +
                    std::to_string(simulator.theta_dim) + " parameters");
  core::check(chains >= 2 && chains <= 1000 && warmup >= 0, "--chains must be in 2..1000 and --warmup >= 0");
  if (method == Method::kSnle)
    core::check(model_options.embedding == EmbeddingKind::kNone || model_options.embedding == EmbeddingKind::kMlp,
                "--method snle learns q(x | theta): its embedding reads theta; use --embedding none or mlp");
  if (method == Method::kSnle)
    core::check(!x_shape.is_set() && !x_shape.is_image(),
                "--method snle models x itself, a vector; " + simulator.name + "'s x is " + x_shape.describe() +
                    ": use --method tsnpe");

  // What a round file must match to be continued: the task, its prior, the observation, the
  // method and its settings, the seed, the model and training settings.
  core::Digest digest;
  digest.add(simulator.name + " " + prior.to_string() + " " + method_name + " " +
             std::to_string(per_round) + " " + std::to_string(seed) + " " + std::to_string(truncation.tail_mass) +
             " " + std::to_string(chains) + " " + std::to_string(warmup) + " " + std::to_string(num_atoms) + " " +
             training_settings_text(train_options));
  for (const std::string& p : flags.all("param")) digest.add(p);
  if (ensemble > 1) digest.add("ensemble " + std::to_string(ensemble));
  if (mcmc_sampler == McmcSampler::kEnsemble) digest.add("ensemble sampler");
  digest.add(x_o);
  // An untrained model of the method (SNLE: q(x | theta), θ the context), named, with the prior
  // a posterior model restricts its draws to.
  const bool likelihood = method == Method::kSnle;
  // Member k of an ensemble starts from weights of its own seed.
  auto fresh_model = [&](long member) {
    ModelOptions options = model_options;
    if (member > 0) options.seed = core::Rng(model_options.seed, 0xE0 + static_cast<std::uint64_t>(member)).next_u64();
    PosteriorModel m = PosteriorModel::create(options, likelihood ? simulator.x_dim : simulator.theta_dim,
                                              likelihood ? simulator.theta_dim : simulator.x_dim,
                                              likelihood ? core::DataShape{} : x_shape);
    m.parameter_names = likelihood ? simulator.data_names : simulator.parameter_names;
    m.data_names = likelihood ? simulator.parameter_names : simulator.data_names;
    if (likelihood) m.target = ModelTarget::kX;
    else m.prior = prior;
    return m;
  };
  digest.add(nn::flatten_values(fresh_model(0).parameters()));
  const std::string fingerprint = digest.hex();

  // Rounds already done (--resume), each checked against this run.
  {
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    core::check(!error && std::filesystem::is_directory(folder),
                "cannot make the rounds folder " + folder + (error ? ": " + error.message() : std::string()));
  }
  int first_round = 1;
  Eigen::MatrixXd theta_all(simulator.theta_dim, 0), x_all(simulator.x_dim, 0);
  for (int r = 1; std::filesystem::exists(round_name(folder, "round", r)); ++r) {
    core::check(flags.on("resume"), folder + " holds rounds of an earlier run; --resume continues it (same settings), "
                                             "or remove the folder to start afresh");
    io::H5File f = io::H5File::open_read(round_name(folder, "round", r));
    core::check(f.has_attr("/", "infer_fingerprint") && f.get_string_attr("/", "infer_fingerprint") == fingerprint,
                round_name(folder, "round", r) + " is a round of another run (other task, prior, observation, method, "
                                                 "seed or settings); --resume needs the same command");
    if (!std::filesystem::exists(round_name(folder, "model", r))) break;  // killed while training: redo the round's training
    const SimulationData d = load_simulations(round_name(folder, "round", r), NonFinitePolicy::kError);
    append_columns(d.theta, &theta_all);
    append_columns(d.x, &x_all);
    first_round = r + 1;
  }
  if (first_round > 1) log_line("resuming after round %d of %s", first_round - 1, folder.c_str());
  log_line("%s for one observation of %s (%s): %ld rounds of %ld simulations, prior %s", method_name.c_str(),
           simulator.name.c_str(), obs_path.c_str(), rounds, per_round, prior.to_string().c_str());

  for (int r = first_round; r <= rounds; ++r) {
    const std::string round_path = round_name(folder, "round", r), model_path = round_name(folder, "model", r);
    // 1. The round's θ and their simulations, kept with how the θ were drawn (read back when
    // the round file is there: the run was killed while training).
    Eigen::MatrixXd theta, x;
    std::string sampler;
    if (std::filesystem::exists(round_path)) {
      const SimulationData d = load_simulations(round_path, NonFinitePolicy::kError);
      theta = d.theta;
      x = d.x;
      sampler = io::H5File::open_read(round_path).get_string_attr("/", "proposal");
    } else {
      ProposalDraws proposal;
      if (r == 1) {
        simulators::SimulateOptions o;
        o.seed = round_seed(seed, r, 0);
        proposal.theta = simulators::sample_prior(prior, per_round, o);
        proposal.sampler = "the prior";
      } else {
        const PosteriorModel previous = load_model(round_name(folder, "model", r - 1));
        if (method == Method::kTsnpe) {
          proposal = truncated_prior_draws(previous, x_o, prior, per_round, truncation, round_seed(seed, r, 0));
        } else if (method == Method::kSnle) {
          LikelihoodMcmcOptions mcmc;
          mcmc.sampler = mcmc_sampler;
          mcmc.chains = chains;
          mcmc.warmup = warmup;
          mcmc.seed = round_seed(seed, r, 0);
          proposal = likelihood_posterior_draws(previous, x_o, prior, per_round, mcmc);
        } else {  // SNPE-C: the current posterior, restricted to the prior's support
          SampleOptions draws;
          draws.num_samples = per_round;
          draws.seed = round_seed(seed, r, 0);
          draws.with_log_prob = false;
          SampleSummary drawn;
          proposal.theta = sample_posterior(previous, x_o, draws, &drawn).theta;
          char line[96];
          std::snprintf(line, sizeof line, "the current posterior (%.3g%% inside the prior's support)",
                        100 * drawn.acceptance_rate);
          proposal.sampler = line;
        }
      }
      sampler = proposal.sampler;
      simulators::SimulateOptions o;
      o.seed = round_seed(seed, r, 1);
      o.threads = threads;
      long failed = 0;
      simulator.simulate(proposal.theta, o, &theta, &x, &failed);
      if (failed > 0) log_line("round %d: %ld of %ld simulations failed and are left out", r, failed, per_round);
      core::check(theta.cols() >= 2, "round " + std::to_string(r) + ": too few simulations succeeded");
      io::OutputFiles out(inputs);
      out.write_hdf5(round_path, [&](io::H5File& f) {
        write_simulation_file(f, inv, {o.seed, simulator.parameter_names, simulator.data_names, &prior,
                                       simulator.prior_file, &theta, &x, x_shape});
        f.set_attr("/", flags.has("plugin") ? "plugin" : "task", simulator.name);
        f.set_attr("/", "infer_fingerprint", fingerprint);
        f.set_attr("/", "round", static_cast<std::int64_t>(r));
        f.set_attr("/", "method", method_name);
        f.set_attr("/", "proposal", proposal.sampler);
        if (r > 1 && method == Method::kTsnpe) {
          f.set_attr("/", "log_q_threshold", proposal.log_q_threshold);
          f.set_attr("/", "tail_mass", truncation.tail_mass);
          f.set_attr("/", "prior_acceptance", proposal.acceptance);
        }
      });
      out.commit();
    }
    append_columns(theta, &theta_all);
    append_columns(x, &x_all);
    // 3. A fresh model (or --ensemble K of them, each with seeds of its own) on every round's pairs.
    PosteriorModel model;
    TrainSummary summary;
    std::vector<TrainSummary> member_summaries;
    for (long k = 0; k < ensemble; ++k) {
      PosteriorModel member = fresh_model(k);
      TrainOptions options = train_options;
      options.seed = round_seed(seed, r, 2);
      if (k > 0) options.seed = core::Rng(options.seed, static_cast<std::uint64_t>(k)).next_u64();
      TrainSummary trained;
      if (method == Method::kSnpeC && r > 1)  // round 1's pairs alone are from the prior: plain NPE
        train_atomic(options, theta_all, x_all, prior, static_cast<int>(num_atoms), &member, &trained);
      else
        train(options, likelihood ? x_all : theta_all, likelihood ? theta_all : x_all, &member, &trained);
      if (k == 0) {
        model = std::move(member);
        summary = trained;
      } else {
        model.add_member(std::move(member));
        member_summaries.push_back(trained);
      }
    }
    {
      io::OutputFiles out(inputs);
      out.write_hdf5(model_path, [&](io::H5File& f) {
        write_model(f, model, summary, provenance_of(inv, seed), member_summaries);
        f.set_attr("/", "infer_fingerprint", fingerprint);
        f.set_attr("/", "round", static_cast<std::int64_t>(r));
      });
      out.commit();
    }
    log_line("round %d/%ld: %ld simulations from %s; theta sd %s; trained on %ld%s: %s", r, rounds, per_round,
             sampler.c_str(), spreads(theta, simulator.parameter_names).c_str(),
             static_cast<long>(theta_all.cols()),
             ensemble > 1 ? (" (" + std::to_string(ensemble) + " members; member 1)").c_str() : "",
             summary.message.c_str());
  }

  // The posterior of the last model, drawn and written as `sbi sample` does.
  Invocation sample;
  sample.command_line = inv.command_line;
  sample.args = {"--model", round_name(folder, "model", static_cast<int>(rounds)), "--observation", obs_path, "--out",
                 out_path, "--num", flags.get("num", "10000"), "--seed", std::to_string(seed)};
  if (method == Method::kSnle)
    for (const std::string& a : {std::string("--prior"), prior.to_string(), std::string("--chains"),
                                 std::to_string(chains), std::string("--warmup"), std::to_string(warmup),
                                 std::string("--mcmc"), mcmc_sampler_name(mcmc_sampler)})
      sample.args.push_back(a);
  return cmd_sample(sample);
}

}  // namespace sbi::app
