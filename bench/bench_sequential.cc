// Sequential inference (`sbi infer`, issue 19) on the sbibm reference observations: for each
// of observations 1..--obs of a task, the command itself runs (--rounds R of
// --num-per-round N simulations, --method tsnpe|snle), and its posterior file is compared
// with the reference posterior by C2ST (0.5 = indistinguishable). Prints one line per
// observation and the mean; asserts nothing.
//
//   bench_sequential [--task two_moons] [--method tsnpe] [--rounds 10] [--num-per-round 1000]
//                    [--obs 5] [--first-obs 1] [--seed 1] [--threads 2] [--extra "--estimator nsf"]
//                    [--sbi build/apps/sbi] [--reference PATH] [--dir /tmp]
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "bench/bench_support.h"
#include "core/progress.h"
#include "io/h5_file.h"
#include "io/posterior_file.h"
#include "sbi/c2st.h"

int main(int argc, char** argv) {
  using namespace sbi;
  const std::string task = bench::flag(argc, argv, "task", "two_moons");
  const std::string method = bench::flag(argc, argv, "method", "tsnpe");
  const long rounds = bench::int_flag(argc, argv, "rounds", 10);
  const long per_round = bench::int_flag(argc, argv, "num-per-round", 1000);
  const long num_obs = bench::int_flag(argc, argv, "obs", 5);
  const long first_obs = bench::int_flag(argc, argv, "first-obs", 1);
  const long seed = bench::int_flag(argc, argv, "seed", 1);
  const long threads = bench::int_flag(argc, argv, "threads", 2);
  const std::string extra = bench::flag(argc, argv, "extra", "");
  const std::string sbi_path = bench::flag(argc, argv, "sbi", std::string(SBI_SOURCE_DIR) + "/build/apps/sbi");
  const std::string reference = bench::flag(argc, argv, "reference",
                                            std::string(SBI_SOURCE_DIR) + "/../shared/benchmarks/sbibm_reference.h5");
  const std::filesystem::path dir =
      std::filesystem::path(bench::flag(argc, argv, "dir", "/tmp")) / ("bench_sequential_" + task + "_" + method);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::printf("# %s, %s %s: %ld rounds of %ld simulations, seed %ld, %ld threads%s%s\n", bench::cpu_model().c_str(),
              task.c_str(), method.c_str(), rounds, per_round, seed, threads, extra.empty() ? "" : ", ", extra.c_str());
  const io::H5File ref = io::H5File::open_read(reference);
  double sum = 0;
  for (long k = first_obs; k <= num_obs; ++k) {
    const std::string group = "/" + task + "/observation_" + std::to_string(k);
    const std::string obs = (dir / ("obs" + std::to_string(k) + ".h5")).string();
    const std::string post = (dir / ("posterior" + std::to_string(k) + ".h5")).string();
    {
      io::H5File f = io::H5File::create(obs);
      f.write_vector("/x", ref.read_vector(group + "/observation"));
      f.write_vector("/theta", ref.read_vector(group + "/true_parameters"));
    }
    const std::string command = sbi_path + " infer --task " + task + " --method " + method + " --observation " + obs +
                                " --rounds " + std::to_string(rounds) + " --num-per-round " +
                                std::to_string(per_round) + " --seed " + std::to_string(seed) + " --threads " +
                                std::to_string(threads) + " " + extra + " --out " + post + " > " +
                                (dir / ("log" + std::to_string(k) + ".txt")).string() + " 2>&1";
    core::Stopwatch clock;
    const int status = std::system(command.c_str());
    const double seconds = clock.seconds();
    if (status != 0) {
      std::printf("observation %ld: sbi infer failed (see %s)\n", k, (dir / ("log" + std::to_string(k) + ".txt")).c_str());
      return 1;
    }
    const Eigen::MatrixXd reference_samples = ref.read_matrix(group + "/reference_posterior_samples");
    const io::PosteriorDraws posterior = io::read_posterior_file(post);
    const Eigen::MatrixXd& draws = posterior.samples.at(0);
    const double accuracy = c2st(reference_samples, draws).accuracy;
    sum += accuracy;
    std::printf("observation %ld: C2ST %.3f (%.0f s)\n", k, accuracy, seconds);
    std::fflush(stdout);
  }
  std::printf("%s %s, %ld x %ld simulations: mean C2ST %.3f over %ld observations\n", task.c_str(), method.c_str(),
              rounds, per_round, sum / static_cast<double>(num_obs - first_obs + 1), num_obs - first_obs + 1);
  return 0;
}
