// sbibm benchmark: for each task and simulation budget, simulate -> train -> sample for
// observations 1..5 of the shared reference file, and print C2ST against the reference
// posterior, training seconds and sampling throughput. Prints; asserts nothing.
//
//   bench_sbibm [--reference PATH] [--tasks two_moons,gaussian_linear,slcp]
//               [--budgets 1000,10000] [--estimator realnvp] [--seed S] [--observations 5]
//               [--transforms K] [--hidden H] [--layers L] [--batch-size B] [--lr-plateau P]
// (architecture and training flags default to the library defaults, as `sbi train` uses)
#include <omp.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

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

std::string flag(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return argv[i + 1];
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sbi;
  const std::string reference =
      flag(argc, argv, "reference", std::string(SBI_SOURCE_DIR) + "/../shared/benchmarks/sbibm_reference.h5");
  const auto tasks = split(flag(argc, argv, "tasks", "two_moons,gaussian_linear,slcp"));
  const auto budgets = split(flag(argc, argv, "budgets", "1000,10000"));
  const std::string estimator = flag(argc, argv, "estimator", "realnvp");
  const std::uint64_t seed = std::strtoull(flag(argc, argv, "seed", "1").c_str(), nullptr, 10);
  const int num_obs = std::atoi(flag(argc, argv, "observations", "5").c_str());
  io::H5File ref = io::H5File::open_read(reference);

  std::printf("# sbibm benchmark: estimator %s, seed %llu, %d threads\n", estimator.c_str(),
              static_cast<unsigned long long>(seed), omp_get_max_threads());
  std::printf("%-24s %7s %8s %8s %7s %14s   per-observation C2ST\n", "task", "sims", "C2ST",
              "train_s", "epochs", "samples/s");
  for (const std::string& name : tasks) {
    for (const std::string& budget : budgets) {
      const long n = std::atol(budget.c_str());
      const simulators::Task task = simulators::make_task(name);
      simulators::SimulateOptions so;
      so.seed = seed;
      const simulators::SimulationBatch sims = simulators::simulate_from_prior(task, n, so);
      ModelOptions mo;
      mo.estimator = estimator;
      mo.transforms = std::atoi(flag(argc, argv, "transforms", std::to_string(mo.transforms)).c_str());
      mo.hidden = std::atoi(flag(argc, argv, "hidden", std::to_string(mo.hidden)).c_str());
      mo.layers = std::atoi(flag(argc, argv, "layers", std::to_string(mo.layers)).c_str());
      mo.seed = seed;
      PosteriorModel model = PosteriorModel::create(mo, task.simulator->theta_dim(), task.simulator->x_dim());
      model.prior = task.prior;
      TrainOptions to;
      to.seed = seed;
      to.batch_size = std::atoi(flag(argc, argv, "batch-size", std::to_string(to.batch_size)).c_str());
      to.lr_plateau = std::atoi(flag(argc, argv, "lr-plateau", std::to_string(to.lr_plateau)).c_str());
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
}
