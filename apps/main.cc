// Entry point of the `sbi` program: dispatches to one cmd_*.cc per subcommand and turns
// any error into one line on stderr and exit code 1.
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include "apps/commands.h"
#include "core/error.h"
#include "apps/progress_reporter.h"
#include "io/provenance.h"

namespace sbi::app {

int set_threads(long threads) {
  core::check(threads >= 0, "--threads must be >= 0");
  // More threads than processors only slow the work down (results do not depend on the
  // count), and libgomp crashes when it cannot create tens of thousands of them.
  const int processors = std::max(1, omp_get_num_procs());
  if (threads > processors) {
    log_line("--threads %ld is more than the %d processors available: using %d", threads,
             processors, processors);
    threads = processors;
  }
  if (threads > 0) omp_set_num_threads(static_cast<int>(threads));
  return static_cast<int>(threads);
}

namespace {

constexpr const char* kUsage = R"(sbi: simulation-based inference toolkit

usage:
  sbi simulate --task NAME --num N --seed S --out sims.h5 [--threads T] [--param k=v ...]
               [--theta theta.h5]
  sbi train    --data sims.h5 --out model.h5 [--estimator nsf|realnvp|cnf] [--seed S]
               [--threads T] [--batch-size B] [--lr L] [--max-epochs E] [--patience P]
               [--lr-plateau P] [--min-lr L] [--validation-fraction F] [--clip-grad-norm C]
               [--pretrain-epochs E] (regression pretraining of the embedding first)
               [--transforms K] [--hidden H] [--layers L] [--activation relu|tanh|silu|elu]
               [--bins K] [--bound B] (nsf) [--path ot|vp] [--sigma-min S]
               [--time-prior-exponent A] [--frequencies F] [--ode-solver rk4|dopri5]
               [--ode-steps N] [--ode-tol T] [--trace exact|hutchinson] (cnf)
               [--embedding none|mlp|deepsets|cnn] [--embedding-dim D] [--embedding-hidden H]
               [--embedding-layers L] [--pooling mean|sum|mean+sum] [--no-set-norm] (deepsets)
               [--cnn-channels 16,32,64] [--cnn-kernel K] [--cnn-pooling avg|max]
               [--cnn-readout flatten|mean] (cnn) [--prior SPEC] [--nonfinite drop|error]
               [--mask FILE]
  sbi sample   --model model.h5 --observation obs.h5 --out posterior.h5 [--num M] [--seed S]
               [--threads T] [--no-prior-restriction]
  sbi map      --model model.h5 --observation obs.h5 --out map.h5 [--starts K] [--seed S]
               [--candidates C] [--max-iterations I] [--no-prior-restriction]
  sbi diagnose --model model.h5 --task NAME --num-sbc N --out report.h5
               [--num-posterior-samples L] [--seed S] [--threads T] [--param k=v ...]
               [--tarp-reference prior|box] [--png] [--no-prior-restriction]
               (figures next to the report: <stem>_sbc.svg, <stem>_coverage.svg)
  sbi plot     corner posterior.h5 --out corner.svg|corner.png [--truth FILE.h5]
               [--observation K] [--bins B] [--smooth S] [--title T] [--png]
  sbi export   posterior.h5 --format getdist|csv --out ROOT
  sbi lens-fit --observation obs.h5 --start posterior.h5|--theta theta.h5 --out fit.h5
               [--param k=v ...] [--mask FILE] [--max-iterations I]
               (least-squares lens model of each image, from the posterior mean or theta)
  sbi info     FILE.h5
  sbi cosmo    --omega-m OM --omega-b OB --h H --sigma8 S8 --ns NS [--w0 W] [--tcmb 2.725]
               [--z 0,1,2] [--kmin 1e-3] [--kmax 10] [--nk 41] [--transfer eh|eh_nowiggle]
               [--source-z ZS [--ell-min 10] [--ell-max 5000] [--nell 40]] --out theory.h5

tasks: two_moons, gaussian_linear, gaussian_linear_uniform, slcp, dwarf, cosmo_field, lensing
prior SPEC: comma-separated marginals uniform(LOW,HIGH), normal(MEAN,STD),
            lognormal(MU,SIGMA), each optionally *K to repeat, e.g. "uniform(-1,1)*2"
mask FILE: /mask (1 = use the pixel, 0 = ignore it) of the shape of one x, e.g. an
           observation file with /x, /psf, /noise_map, /mask; stored in the model
)";

}  // namespace
}  // namespace sbi::app

int main(int argc, char** argv) {
  using namespace sbi::app;
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" ||
      std::string(argv[1]) == "help") {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 1 : 0;
  }
  const std::string command = argv[1];
  Invocation inv{std::vector<std::string>(argv + 2, argv + argc),
                 sbi::io::join_command_line(argc, argv)};
  try {
    if (command == "simulate") return cmd_simulate(inv);
    if (command == "train") return cmd_train(inv);
    if (command == "sample") return cmd_sample(inv);
    if (command == "info") return cmd_info(inv);
    if (command == "diagnose") return cmd_diagnose(inv);
    if (command == "map") return cmd_map(inv);
    if (command == "plot") return cmd_plot(inv);
    if (command == "export") return cmd_export(inv);
    if (command == "cosmo") return cmd_cosmo(inv);
    if (command == "lens-fit") return cmd_lens_fit(inv);
    std::fprintf(stderr, "sbi: error: unknown command '%s' (run `sbi --help`)\n", command.c_str());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "sbi: error: out of memory; use smaller sizes (--num, --hidden, "
                         "--batch-size) or a machine with more memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sbi: error: %s\n", e.what());
    return 1;
  }
}
