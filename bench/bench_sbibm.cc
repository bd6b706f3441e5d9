// sbibm benchmark: for each task and simulation budget, simulate -> train -> sample for
// observations 1..5 of the shared reference file, and print C2ST against the reference
// posterior, training seconds and sampling throughput. Prints; asserts nothing.
//
//   bench_sbibm [--reference PATH] [--tasks two_moons,gaussian_linear,slcp]
//               [--budgets 1000,10000] [--observations 5] [--seed S (default 1)]
//               [--unbounded-theta (as sbi train's)]
//               [every model and training flag of `sbi train`: --estimator, --hidden, --lr, ...]
// (architecture and training default to what `sbi train` uses, apps/train_flags.h)
#include <omp.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "apps/train_flags.h"
#include "io/h5_file.h"
#include "sbi/c2st.h"
#include "sbi/posterior_sampler.h"
#include "sbi/trainer.h"
#include "simulators/batch.h"
#include "simulators/registry.h"

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) try {
  using namespace sbi;
  app::CommandSpec spec{"bench_sbibm", "[flags]", "C2ST of sbi train's estimators on sbibm tasks",
                        app::train_flag_specs()};
  spec.flags.push_back({"reference", app::FlagKind::kValue, "FILE",
                        "../shared/benchmarks/sbibm_reference.h5", "the reference posteriors"});
  spec.flags.push_back({"tasks", app::FlagKind::kValue, "T1,T2,...", "two_moons,gaussian_linear,slcp",
                        "the tasks"});
  spec.flags.push_back({"budgets", app::FlagKind::kValue, "N1,N2,...", "1000,10000",
                        "simulation budgets"});
  spec.flags.push_back({"observations", app::FlagKind::kValue, "K", "5",
                        "reference observations 1..K"});
  spec.flags.push_back({"unbounded-theta", app::FlagKind::kSwitch, "", "",
                        "the flow on the prior's support transform of theta (sbi train --unbounded-theta)"});
  const app::Flags flags(std::vector<std::string>(argv + 1, argv + argc), spec);
  const std::string reference = flags.get(
      "reference", std::string(SBI_SOURCE_DIR) + "/../shared/benchmarks/sbibm_reference.h5");
  const auto tasks = split(flags.get("tasks", "two_moons,gaussian_linear,slcp"));
  const auto budgets = split(flags.get("budgets", "1000,10000"));
  const std::uint64_t seed = flags.get_seed("seed", 1);
  const int num_obs = flags.get_int32("observations", 5);
  ModelOptions mo = app::model_options_from(flags);
  mo.seed = seed;
  TrainOptions to = app::train_options_from(flags, mo.density.kind);
  to.seed = seed;
  const std::string estimator = sbi::density_kind_name(mo.density.kind);
  io::H5File ref = io::H5File::open_read(reference);

  const bool unbounded = flags.on("unbounded-theta");
  std::printf("# sbibm benchmark: estimator %s%s, seed %llu, %d threads\n", estimator.c_str(),
              unbounded ? " (unbounded theta)" : "", static_cast<unsigned long long>(seed), omp_get_max_threads());
  std::printf("%-24s %7s %8s %8s %7s %14s   per-observation C2ST\n", "task", "sims", "C2ST",
              "train_s", "epochs", "samples/s");
  for (const std::string& name : tasks) {
    for (const std::string& budget : budgets) {
      const long n = std::atol(budget.c_str());
      const simulators::Task task = simulators::make_task(name);
      simulators::SimulateOptions so;
      so.seed = seed;
      const simulators::SimulationBatch sims = simulators::simulate_from_prior(task, n, so);
      PosteriorModel model = PosteriorModel::create(mo, task.simulator->theta_dim(), task.simulator->x_dim());
      model.prior = task.prior;
      if (unbounded) model.set_unbounded_theta(task.prior);
      TrainSummary ts;
      train(to, sims.theta, sims.x, &model, &ts);
      double c2st_sum = 0, sample_seconds = 0;
      long drawn = 0;
      std::string per_obs;
      for (int k = 1; k <= num_obs; ++k) {
        const std::string group = "/" + name + "/observation_" + std::to_string(k);
        const Eigen::VectorXd x = ref.read_vector(group + "/observation");
        const Eigen::MatrixXd reference_samples = ref.read_matrix(group + "/reference_posterior_samples");
        SampleOptions opt;
        opt.num_samples = reference_samples.cols();
        opt.seed = seed + k;
        opt.with_log_prob = false;  // C2ST compares draws only
        SampleSummary ss;
        const PosteriorSamples s = sample_posterior(model, x, opt, &ss);
        sample_seconds += ss.seconds;
        drawn += opt.num_samples;
        const double acc = c2st(reference_samples, s.theta).accuracy;
        c2st_sum += acc;
        char buf[16];
        std::snprintf(buf, sizeof buf, " %.3f", acc);
        per_obs += buf;
      }
      std::printf("%-24s %7ld %8.3f %8.1f %7d %14.0f  %s\n", name.c_str(), n, c2st_sum / num_obs,
                  ts.seconds, ts.epochs, drawn / sample_seconds, per_obs.c_str());
      std::fflush(stdout);
    }
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_sbibm: %s\n", e.what());
  return 1;
}
