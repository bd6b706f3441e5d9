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

}  // namespace sbi::flows
