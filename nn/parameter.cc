#include "nn/parameter.h"

#include "core/error.h"

namespace sbi::nn {

void append_parameters(const std::string& prefix, const Parameters& params, Parameters* out) {
  for (const Parameter& p : params) out->push_back({prefix + "/" + p.name, p.value, p.grad});
}

void zero_grad(const Parameters& params) {
  for (const Parameter& p : params) p.grad->setZero();
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

void unflatten_values(const Vector& flat, const Parameters& params) {
  core::check(flat.size() == count_scalars(params),
              "unflatten_values: vector has " + std::to_string(flat.size()) + " entries, expected " +
                  std::to_string(count_scalars(params)));
  long offset = 0;
  for (const Parameter& p : params) {
    Eigen::Map<Vector>(p.value->data(), p.value->size()) = flat.segment(offset, p.value->size());
    offset += p.value->size();
  }
}

}  // namespace sbi::nn
