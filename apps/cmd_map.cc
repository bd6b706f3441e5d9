// sbi map: the maximum a posteriori parameters of a trained posterior for every observation
// in an observation file (L-BFGS from several starts, inside the prior support).
//
// map.h5:  /theta (K, D) MAP per observation, /log_prob (K,), /x (K, x_dim),
//          /starts/observation_<k>/{start, theta} (S, D), {initial_log_prob, final_log_prob} (S,),
//          iterations int64 (S,), attrs termination (string list), best_start;
//          root: provenance, model, observation_file.
// /theta makes the file usable as `sbi plot corner --truth map.h5`.
#include <cstdio>

#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "core/error.h"
#include "io/output_files.h"
#include "io/h5_file.h"
#include "io/provenance.h"
#include "sbi/map.h"
#include "sbi/model_file.h"
#include "sbi/simulation_data.h"

namespace sbi::app {

int cmd_map(const Invocation& inv) {
  Flags flags(inv.args, command_spec("map"));
  const std::string model_path = flags.required("model");
  const std::string obs_path = flags.required("observation");
  const std::string out_path = flags.required("out");
  set_threads(flags.get_int("threads", 0));
  MapOptions options;
  options.num_starts = flags.get_int32("starts", options.num_starts);
  options.num_candidates = flags.get_int("candidates", options.num_candidates);
  options.max_iterations = flags.get_int32("max-iterations", options.max_iterations);
  options.seed = flags.get_seed("seed", 0);
  options.restrict_to_prior = !flags.on("no-prior-restriction");
  core::check_valid(options, "");

  io::OutputFiles out({model_path, obs_path});
  out.add(out_path);
  PosteriorModel model = load_model(model_path);
  check_model_target(model, ModelTarget::kTheta, model_path);
  const Eigen::MatrixXd x = load_observations(obs_path, model.x_dim(), model.x_shape);
  const long k_obs = x.cols();
  Eigen::MatrixXd theta(model.theta_dim(), k_obs);
  Eigen::VectorXd log_prob(k_obs);
  std::vector<MapSummary> summaries(k_obs);
  for (long k = 0; k < k_obs; ++k) {
    theta.col(k) = find_map(&model, x.col(k), options, &summaries[k]);
    log_prob[k] = summaries[k].starts[summaries[k].best_start].final_log_prob;
  }

  out.write_hdf5(out_path, [&](io::H5File& f) {
    io::Provenance p;
    p.command_line = inv.command_line;
    p.seed = options.seed;
    p.has_seed = true;
    p.parameter_names = model.parameter_names;
    p.data_names = model.data_names;
    io::stamp_provenance(f, p);
    f.set_attr("/", "model", model_path);
    f.set_attr("/", "observation_file", obs_path);
    f.set_attr("/", "prior", model.prior ? model.prior->to_string() : std::string("none"));
    f.write_matrix("/theta", theta);
    f.write_vector("/log_prob", log_prob);
    f.write_matrix("/x", x);
    for (long k = 0; k < k_obs; ++k) {
      const MapSummary& s = summaries[k];
      const std::string g = "/starts/observation_" + std::to_string(k);
      const long n = static_cast<long>(s.starts.size());
      Eigen::MatrixXd start(model.theta_dim(), n), end(model.theta_dim(), n);
      Eigen::VectorXd lp0(n), lp1(n);
      std::vector<std::int64_t> iterations(n);
      std::vector<std::string> termination(n);
      for (long j = 0; j < n; ++j) {
        start.col(j) = s.starts[j].start;
        end.col(j) = s.starts[j].theta;
        lp0[j] = s.starts[j].initial_log_prob;
        lp1[j] = s.starts[j].final_log_prob;
        iterations[j] = s.starts[j].iterations;
        termination[j] = s.starts[j].termination;
      }
      f.write_matrix(g + "/start", start);
      f.write_matrix(g + "/theta", end);
      f.write_vector(g + "/initial_log_prob", lp0);
      f.write_vector(g + "/final_log_prob", lp1);
      f.write_int64_vector(g + "/iterations", iterations);
      f.set_attr(g, "termination", termination);
      f.set_attr(g, "best_start", static_cast<std::int64_t>(s.best_start));
    }
  });
  out.commit();

  for (long k = 0; k < k_obs; ++k) {
    const MapSummary& s = summaries[k];
    std::printf("observation %ld: %s, %.3f s\n", k, s.message.c_str(), s.seconds);
    std::printf("  %-16s %14s\n", "parameter", "MAP");
    for (int d = 0; d < model.theta_dim(); ++d)
      std::printf("  %-16s %14.6g\n", model.parameter_names[d].c_str(), theta(d, k));
    std::printf("  %-6s %14s %14s %6s  %s\n", "start", "log q start", "log q end", "iter", "termination");
    for (size_t j = 0; j < s.starts.size(); ++j)
      std::printf("  %-6zu %14.6g %14.6g %6d  %s\n", j, s.starts[j].initial_log_prob,
                  s.starts[j].final_log_prob, s.starts[j].iterations, s.starts[j].termination.c_str());
  }
  return 0;
}

}  // namespace sbi::app
