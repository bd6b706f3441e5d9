#include "flows/conditional_density.h"

#include "core/error.h"

namespace sbi::flows {

void ConditionalDensity::check_shapes(const std::string& owner, const char* function,
                                      const Matrix* theta, const Matrix& context) const {
  auto fail = [&](const std::string& what) {
    throw core::Error(owner + "::" + function + ": " + what);
  };
  if (context.rows() != context_dim())
    fail("context has " + std::to_string(context.rows()) + " rows, expected " +
         std::to_string(context_dim()));
  if (theta != nullptr) {
    if (theta->rows() != theta_dim())
      fail("theta has " + std::to_string(theta->rows()) + " rows, expected " +
           std::to_string(theta_dim()));
    if (theta->cols() != context.cols())
      fail("theta has " + std::to_string(theta->cols()) + " columns but context has " +
           std::to_string(context.cols()));
  }
}

Vector ConditionalDensity::train_log_prob(const Matrix& /*theta*/, const Matrix& /*context*/) {
  throw core::Error(kind() + " has no exact log q cheap enough to train on (SNPE-C's atomic loss); use realnvp or nsf");
}

void ConditionalDensity::add_log_prob_gradient(const Vector& /*weights*/, Matrix* /*grad_context*/) {
  throw core::Error(kind() + " has no exact log q cheap enough to train on (SNPE-C's atomic loss); use realnvp or nsf");
}

}  // namespace sbi::flows
