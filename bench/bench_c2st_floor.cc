// The floor of the C2ST figures: exact posterior draws of gaussian_linear (θ ~ N(0, 0.1 I),
// x | θ ~ N(θ, 0.1 I) in 10-D, so θ | x ~ N(x / 2, 0.05 I)) against the reference posterior
// draws of the shared file, for observations 1..5. No estimator can be expected below these
// numbers: they are what a perfect posterior scores with as many draws as the benchmark uses.
// Asserts nothing.
//
//   bench_c2st_floor [--num 10000] [--seed 1] [--reference PATH]
#include <cmath>
#include <cstdio>
#include <string>

#include "bench/bench_support.h"
#include "core/rng.h"
#include "io/h5_file.h"
#include "sbi/c2st.h"

int main(int argc, char** argv) {
  using namespace sbi;
  const long num = bench::int_flag(argc, argv, "num", 10000);
  const long seed = bench::int_flag(argc, argv, "seed", 1);
  const std::string reference = bench::flag(argc, argv, "reference",
                                            std::string(SBI_SOURCE_DIR) + "/../shared/benchmarks/sbibm_reference.h5");
  const io::H5File ref = io::H5File::open_read(reference);
  std::printf("# %s: gaussian_linear, %ld exact posterior draws against the reference draws\n",
              bench::cpu_model().c_str(), num);
  double sum = 0;
  for (int k = 1; k <= 5; ++k) {
    const std::string group = "/gaussian_linear/observation_" + std::to_string(k);
    const Eigen::VectorXd x = ref.read_vector(group + "/observation");
    const Eigen::MatrixXd reference_samples = ref.read_matrix(group + "/reference_posterior_samples");
    core::Rng rng(static_cast<std::uint64_t>(seed), static_cast<std::uint64_t>(k));
    Eigen::MatrixXd exact(x.size(), num);
    for (Eigen::Index j = 0; j < num; ++j)
      for (Eigen::Index i = 0; i < x.size(); ++i) exact(i, j) = 0.5 * x[i] + std::sqrt(0.05) * rng.normal();
    const double accuracy = c2st(reference_samples, exact).accuracy;
    sum += accuracy;
    std::printf("observation %d: C2ST %.4f (reference draws: %ld)\n", k, accuracy,
                static_cast<long>(reference_samples.cols()));
  }
  std::printf("mean C2ST of exact draws: %.4f\n", sum / 5);
  return 0;
}
