#include "simulators/cosmology/fft.h"

#include <fftw3.h>

#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>

#include "core/error.h"
#include "core/memory_budget.h"

namespace sbi::simulators::cosmology {

namespace {

void check_shape(int dim, int n, const char* function) {
  core::check(dim == 2 || dim == 3,
              std::string(function) + ": dimension " + std::to_string(dim) + " must be 2 or 3");
  core::check(n >= 2 && n % 2 == 0 && n <= 65536,
              std::string(function) + ": grid size n = " + std::to_string(n) +
                  " must be even and in [2, 65536]");
}

std::size_t power(int n, int d) {
  std::size_t r = 1;
  for (int i = 0; i < d; ++i) r *= static_cast<std::size_t>(n);
  return r;
}

struct Plans {
  fftw_plan forward, inverse;
};

std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

// Plans live until the process exits (they are few and small next to the grids); then they
// are destroyed, with FFTW's own tables, so that nothing is left allocated.
struct PlanCache {
  std::map<std::tuple<int, int, int>, Plans> plans;
  ~PlanCache() {
    for (auto& entry : plans) {
      fftw_destroy_plan(entry.second.forward);
      fftw_destroy_plan(entry.second.inverse);
    }
    fftw_cleanup();
  }
};

Plans get_plans(int dim, int n, FftPlanning planning) {
  static PlanCache plan_cache;
  auto& cache = plan_cache.plans;
  std::lock_guard<std::mutex> lock(planner_mutex());
  const auto key = std::make_tuple(dim, n, static_cast<int>(planning));
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  const std::size_t nr = power(n, dim), nc = power(n, dim - 1) * (n / 2 + 1);
  double* r = fftw_alloc_real(nr);
  fftw_complex* c = fftw_alloc_complex(nc);
  core::check(r != nullptr && c != nullptr, "RealFft: cannot allocate the planning arrays");
  const unsigned flags = planning == FftPlanning::kMeasure ? FFTW_MEASURE : FFTW_ESTIMATE;
  int dims[3] = {n, n, n};
  Plans p;
  p.forward = fftw_plan_dft_r2c(dim, dims, r, c, flags);
  p.inverse = fftw_plan_dft_c2r(dim, dims, c, r, flags);
  fftw_free(r);
  fftw_free(c);
  core::check(p.forward != nullptr && p.inverse != nullptr, "RealFft: FFTW could not plan");
  cache.emplace(key, p);
  return p;
}

}  // namespace

FftWorkspace::~FftWorkspace() { release(); }

FftWorkspace::FftWorkspace(FftWorkspace&& o) noexcept { *this = std::move(o); }

FftWorkspace& FftWorkspace::operator=(FftWorkspace&& o) noexcept {
  if (this != &o) {
    release();
    dim_ = o.dim_, n_ = o.n_, real_size_ = o.real_size_, modes_size_ = o.modes_size_;
    real_ = o.real_, modes_ = o.modes_;
    o.real_ = nullptr, o.modes_ = nullptr, o.dim_ = o.n_ = 0, o.real_size_ = o.modes_size_ = 0;
  }
  return *this;
}

void FftWorkspace::release() {
  if (real_) fftw_free(real_);
  if (modes_) fftw_free(modes_);
  real_ = nullptr;
  modes_ = nullptr;
}

void FftWorkspace::resize(int dim, int n) {
  if (dim == dim_ && n == n_ && real_) return;
  check_shape(dim, n, "FftWorkspace::resize");
  const std::size_t nr = power(n, dim), nc = power(n, dim - 1) * (n / 2 + 1);
  core::check_memory(8.0 * nr + 16.0 * nc,
                     "FftWorkspace: a " + std::to_string(n) + "^" + std::to_string(dim) + " grid");
  release();
  real_ = fftw_alloc_real(nr);
  modes_ = reinterpret_cast<std::complex<double>*>(fftw_alloc_complex(nc));
  core::check(real_ != nullptr && modes_ != nullptr, "FftWorkspace::resize: out of memory");
  dim_ = dim, n_ = n, real_size_ = nr, modes_size_ = nc;
}

RealFft::RealFft(int dim, int n, FftPlanning planning) : dim_(dim), n_(n) {
  check_shape(dim, n, "RealFft");
  const Plans p = get_plans(dim, n, planning);
  forward_plan_ = p.forward;
  inverse_plan_ = p.inverse;
}

std::size_t RealFft::real_size() const { return power(n_, dim_); }
std::size_t RealFft::modes_size() const { return power(n_, dim_ - 1) * (n_ / 2 + 1); }

void RealFft::forward(FftWorkspace* work) const {
  work->resize(dim_, n_);
  fftw_execute_dft_r2c(static_cast<fftw_plan>(forward_plan_), work->real(),
                       reinterpret_cast<fftw_complex*>(work->modes()));
}

void RealFft::inverse(FftWorkspace* work) const {
  work->resize(dim_, n_);
  fftw_execute_dft_c2r(static_cast<fftw_plan>(inverse_plan_),
                       reinterpret_cast<fftw_complex*>(work->modes()), work->real());
}

}  // namespace sbi::simulators::cosmology
