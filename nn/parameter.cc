#include "nn/parameter.h"

#include <omp.h>

#include <algorithm>

#include "core/error.h"

namespace sbi::nn {

void append_parameters(const std::string& prefix, const Parameters& params, Parameters* out) {
  for (const Parameter& p : params) out->push_back({prefix + "/" + p.name, p.value, p.grad});
}

std::vector<ParameterSlice> slice_parameters(const Parameters& params, long max_length) {
  core::check(max_length > 0, "slice_parameters: slices of " + std::to_string(max_length) + " elements");
  std::vector<ParameterSlice> slices;
  long offset = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    const long n = params[i].value->size();
    for (long begin = 0; begin < n; begin += max_length)
      slices.push_back({i, begin, std::min(n, begin + max_length), offset + begin});
    offset += n;
  }
  return slices;
}

int elementwise_threads(long scalars) {
  return scalars < 32768 ? 1 : std::max(1, omp_get_max_threads());
}

void zero_grad(const Parameters& params) {
  const int threads = elementwise_threads(count_scalars(params));
  if (threads == 1) {
    for (const Parameter& p : params) p.grad->setZero();
    return;
  }
  // Whole parameters per thread: a memset each, the largest a few hundred KiB.
  const long n = static_cast<long>(params.size());
#pragma omp parallel for num_threads(threads) schedule(dynamic, 4)
  for (long i = 0; i < n; ++i) params[i].grad->setZero();
}

long count_scalars(const Parameters& params) {
  long n = 0;
  for (const Parameter& p : params) n += p.value->size();
  return n;
}

namespace {
template <typename Get>
Vector flatten(const Parameters& params, Get get) {
  Vector flat(count_scalars(params));
  long offset = 0;
  for (const Parameter& p : params) {
    const Matrix& m = *get(p);
    flat.segment(offset, m.size()) = Eigen::Map<const Vector>(m.data(), m.size());
    offset += m.size();
  }
  return flat;
}
}  // namespace

Vector flatten_values(const Parameters& params) {
  return flatten(params, [](const Parameter& p) { return p.value; });
}

Vector flatten_grads(const Parameters& params) {
  return flatten(params, [](const Parameter& p) { return p.grad; });
}

namespace {
template <class Member>
void unflatten(const Vector& flat, const Parameters& params, Member member, const char* what) {
  core::check(flat.size() == count_scalars(params),
              std::string(what) + ": vector has " + std::to_string(flat.size()) + " entries, expected " +
                  std::to_string(count_scalars(params)));
  long offset = 0;
  for (const Parameter& p : params) {
    Matrix* m = member(p);
    Eigen::Map<Vector>(m->data(), m->size()) = flat.segment(offset, m->size());
    offset += m->size();
  }
}
}  // namespace

void unflatten_values(const Vector& flat, const Parameters& params) {
  unflatten(flat, params, [](const Parameter& p) { return p.value; }, "unflatten_values");
}

void unflatten_grads(const Vector& flat, const Parameters& params) {
  unflatten(flat, params, [](const Parameter& p) { return p.grad; }, "unflatten_grads");
}

}  // namespace sbi::nn
