#include "simulators/plugin.h"

#include <dlfcn.h>

#include <cmath>
#include <sstream>

#include "core/error.h"
#include "core/rng.h"
#include "include/sbi_plugin.h"
#include "simulators/detail/parallel_samples.h"

namespace sbi::simulators {
namespace {

// A plugin's sbi_rng* is the row's core::Rng, passed through opaque.
core::Rng* rng_of(sbi_rng* rng) { return reinterpret_cast<core::Rng*>(rng); }

extern "C" double host_uniform(sbi_rng* rng) { return rng_of(rng)->uniform(); }
extern "C" double host_normal(sbi_rng* rng) { return rng_of(rng)->normal(); }
extern "C" std::uint64_t host_next_u64(sbi_rng* rng) { return rng_of(rng)->next_u64(); }

const sbi_host kHost = {SBI_PLUGIN_ABI_VERSION, host_uniform, host_normal, host_next_u64};

// "a,b,c" as {"a", "b", "c"}; `expected` names or the defaults prefix_0, prefix_1, ...
std::vector<std::string> names(const char* list, int expected, const std::string& prefix,
                               const std::string& what, const std::string& path) {
  std::vector<std::string> out;
  if (list == nullptr) {
    for (int i = 0; i < expected; ++i) out.push_back(prefix + "_" + std::to_string(i));
    return out;
  }
  std::stringstream ss(list);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(item);
  core::check(static_cast<int>(out.size()) == expected,
              "plugin " + path + ": " + what + " lists " + std::to_string(out.size()) +
                  " names, expected " + std::to_string(expected));
  return out;
}

}  // namespace

Plugin::Plugin(const std::string& path) {
  // dlopen searches the library path for a bare name; a user means the file beside them.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  handle_ = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) {
    const char* why = ::dlerror();
    throw core::Error("cannot load plugin " + path + " as a shared library: " +
                      (why ? why : "unknown reason"));
  }
  try {
    auto symbol = [&](const char* name, bool required) {
      void* s = ::dlsym(handle_, name);
      core::check(s != nullptr || !required, "plugin " + path + " does not define " + name +
                                                 " (see include/sbi_plugin.h)");
      return s;
    };
    using IntFn = std::int32_t (*)();
    using TextFn = const char* (*)();
    using ShapeFn = void (*)(std::int32_t*, std::int32_t*, std::int32_t*);
    const auto version = reinterpret_cast<IntFn>(symbol("sbi_plugin_abi_version", true))();
    core::check(version == SBI_PLUGIN_ABI_VERSION,
                "plugin " + path + " implements plugin ABI version " + std::to_string(version) +
                    ", this sbi implements version " + std::to_string(SBI_PLUGIN_ABI_VERSION));
    theta_dim_ = reinterpret_cast<IntFn>(symbol("sbi_plugin_theta_dim", true))();
    x_dim_ = reinterpret_cast<IntFn>(symbol("sbi_plugin_x_dim", true))();
    simulate_ = reinterpret_cast<SimulateFn>(symbol("sbi_plugin_simulate", true));
    core::check(theta_dim_ >= 1 && x_dim_ >= 1,
                "plugin " + path + ": theta_dim " + std::to_string(theta_dim_) + " and x_dim " +
                    std::to_string(x_dim_) + " must be >= 1");
    const auto text = [&](const char* name) {
      void* s = symbol(name, false);
      return s ? reinterpret_cast<TextFn>(s)() : nullptr;
    };
    const char* name = text("sbi_plugin_name");
    name_ = name ? name : path.substr(path.find_last_of('/') + 1);
    parameter_names_ = names(text("sbi_plugin_parameter_names"), theta_dim_, "theta",
                             "sbi_plugin_parameter_names", path);
    data_names_ = names(text("sbi_plugin_data_names"), x_dim_, "x", "sbi_plugin_data_names", path);
    x_shape_ = core::DataShape::vector(x_dim_);
    if (void* s = symbol("sbi_plugin_image_shape", false)) {
      std::int32_t c = 0, h = 0, w = 0;
      reinterpret_cast<ShapeFn>(s)(&c, &h, &w);
      core::check(c >= 1 && h >= 1 && w >= 1 && static_cast<long>(c) * h * w == x_dim_,
                  "plugin " + path + ": image shape " + std::to_string(c) + " x " +
                      std::to_string(h) + " x " + std::to_string(w) + " does not hold x_dim " +
                      std::to_string(x_dim_) + " values");
      x_shape_ = core::DataShape::image(h, w, c);
    }
  } catch (...) {
    ::dlclose(handle_);
    throw;
  }
}

Plugin::~Plugin() { ::dlclose(handle_); }

bool Plugin::simulate(const double* theta, std::uint64_t seed, core::Rng* rng, double* x) const {
  const std::int32_t status = simulate_(theta, seed, &kHost, reinterpret_cast<sbi_rng*>(rng), x);
  if (status != 0) return false;
  for (int j = 0; j < x_dim_; ++j)
    if (!std::isfinite(x[j])) return false;
  return true;
}

namespace {

// The batch at `theta` (when given) or at prior draws: row i on the stream (seed, i).
PluginBatch simulate_rows(const Plugin& plugin, const core::Prior* prior, const Eigen::MatrixXd* theta, long n,
                          const SimulateOptions& options, bool fatal_failures) {
  const core::Stopwatch clock;
  PluginBatch batch;
  batch.theta = theta != nullptr ? *theta : Eigen::MatrixXd(plugin.theta_dim(), n);
  batch.x.resize(plugin.x_dim(), n);
  batch.failed.assign(static_cast<size_t>(n), 0);
  detail::parallel_samples(n, options, [&](long i) {
    core::Rng rng(options.seed, static_cast<std::uint64_t>(i));
    // The row's own seed: the first output of an independent copy of its stream.
    const std::uint64_t seed = core::Rng(options.seed, static_cast<std::uint64_t>(i)).next_u64();
    if (prior != nullptr) prior->sample(&rng, batch.theta.col(i));
    if (plugin.simulate(batch.theta.col(i).data(), seed, &rng, batch.x.col(i).data())) return;
    batch.failed[static_cast<size_t>(i)] = 1;
    batch.x.col(i).setConstant(std::nan(""));
    core::check(!fatal_failures, "plugin " + plugin.name() + " failed on simulation " +
                                     std::to_string(i) + " (a non-zero return or NaN/Inf in x)");
  });
  for (std::uint8_t f : batch.failed) batch.num_failed += f;
  batch.seconds = clock.seconds();
  return batch;
}

}  // namespace

PluginBatch simulate_plugin(const Plugin& plugin, const core::Prior& prior, long n,
                            const SimulateOptions& options, bool fatal_failures) {
  std::string error;
  core::check(options.is_valid(&error), "simulate_plugin: " + error);
  core::check(n >= 0, "simulate_plugin: n = " + std::to_string(n) + ", must be >= 0");
  core::check(prior.dim() == plugin.theta_dim(),
              "the prior has " + std::to_string(prior.dim()) + " parameter(s), plugin " +
                  plugin.name() + " takes " + std::to_string(plugin.theta_dim()));
  return simulate_rows(plugin, &prior, nullptr, n, options, fatal_failures);
}

PluginBatch simulate_plugin_at(const Plugin& plugin, const Eigen::MatrixXd& theta, const SimulateOptions& options,
                               bool fatal_failures) {
  std::string error;
  core::check(options.is_valid(&error), "simulate_plugin_at: " + error);
  core::check(theta.rows() == plugin.theta_dim(),
              "theta has " + std::to_string(theta.rows()) + " parameter(s), plugin " + plugin.name() + " takes " +
                  std::to_string(plugin.theta_dim()));
  core::check(theta.allFinite(), "simulate_plugin_at: theta has NaN or Inf");
  return simulate_rows(plugin, nullptr, &theta, theta.cols(), options, fatal_failures);
}

}  // namespace sbi::simulators
