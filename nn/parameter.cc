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
