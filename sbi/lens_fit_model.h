// The model image of the lens fit (lens_fit.h): the `lensing` task's noise-free image at θ and
// its derivatives ∂image/∂θ, by forward-mode automatic differentiation (ceres::Jet) through
// the same templated lens, source and ray-tracing code that the simulator runs in double
// (simulators/lensing/scalar_math.h), then the simulator's own PSF convolution applied to the
// value and to each derivative (the convolution is linear). The double image is the
// simulator's noise-free image itself; the value part of the differentiated image equals it
// to rounding (a few ulp: scalar_math.h).
#pragma once

#include <ceres/jet.h>

#include <Eigen/Core>

#include "simulators/lensing.h"

namespace sbi {

class LensImageModel {
 public:
  static constexpr int kNumParameters = 12;
  using Jet = ceres::Jet<double, kNumParameters>;

  // `lensing` is borrowed and must outlive the model.
  explicit LensImageModel(const simulators::StrongLensing& lensing) : lensing_(lensing) {}

  const simulators::StrongLensing& lensing() const { return lensing_; }
  int num_pixels() const { return lensing_.x_dim(); }

  // image (num_pixels() values, row-major) = StrongLensing::noiseless_image at θ (12 values).
  // Throws core::Error naming an unphysical entry of θ.
  void image(const double* theta, double* image) const;
  // The same for θ carrying derivatives: image[p].a is the image above, image[p].v the
  // derivatives of pixel p with respect to whatever θ's derivative parts stand for.
  void image(const Jet* theta, Jet* image) const;
  // The image and its Jacobian, jacobian(p, i) = ∂image_p/∂θ_i (num_pixels() x 12).
  void image_and_jacobian(const Eigen::Ref<const Eigen::VectorXd>& theta,
                          Eigen::Ref<Eigen::VectorXd> image,
                          Eigen::Ref<Eigen::MatrixXd> jacobian) const;

 private:
  const simulators::StrongLensing& lensing_;
};

}  // namespace sbi
