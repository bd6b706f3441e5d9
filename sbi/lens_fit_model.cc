#include "sbi/lens_fit_model.h"

#include <string>
#include <vector>

#include "core/error.h"
#include "simulators/lensing/ray_tracing_impl.h"
#include "simulators/lensing/sersic_impl.h"

namespace sbi {

void LensImageModel::image(const double* theta, double* image) const {
  const Eigen::Map<const Eigen::VectorXd> t(theta, kNumParameters);
  Eigen::Map<Eigen::VectorXd> out(image, num_pixels());
  lensing_.noiseless_image(lensing_.lens(t), lensing_.source(t), out);
}

void LensImageModel::image(const Jet* theta, Jet* image) const {
  Eigen::VectorXd values(kNumParameters);
  for (int i = 0; i < kNumParameters; ++i) values[i] = theta[i].a;
  lensing_.check_theta(values, "LensImageModel::image");
  simulators::lensing::trace_image(lensing_.grid(), simulators::lens_of(theta),
                                   simulators::source_of(theta), image);
  const simulators::lensing::Convolver* psf = lensing_.convolver();
  if (psf == nullptr) return;
  // The PSF is linear: convolve the value and each derivative channel with the simulator's
  // convolver.
  const int n = num_pixels();
  std::vector<double> channel(static_cast<std::size_t>(n));
  for (int c = -1; c < kNumParameters; ++c) {
    for (int p = 0; p < n; ++p) channel[p] = c < 0 ? image[p].a : image[p].v[c];
    psf->apply(channel.data());
    for (int p = 0; p < n; ++p) (c < 0 ? image[p].a : image[p].v[c]) = channel[p];
  }
}

void LensImageModel::image_and_jacobian(const Eigen::Ref<const Eigen::VectorXd>& theta,
                                        Eigen::Ref<Eigen::VectorXd> image,
                                        Eigen::Ref<Eigen::MatrixXd> jacobian) const {
  const int n = num_pixels();
  core::check(theta.size() == kNumParameters,
              "LensImageModel::image_and_jacobian: theta has " + std::to_string(theta.size()) +
                  " entries, expected 12");
  core::check(image.size() == n && jacobian.rows() == n && jacobian.cols() == kNumParameters,
              "LensImageModel::image_and_jacobian: image must have " + std::to_string(n) +
                  " entries and jacobian " + std::to_string(n) + " x 12");
  Jet t[kNumParameters];
  for (int i = 0; i < kNumParameters; ++i) t[i] = Jet(theta[i], i);
  std::vector<Jet> out(static_cast<std::size_t>(n));
  this->image(t, out.data());
  for (int p = 0; p < n; ++p) {
    image[p] = out[p].a;
    jacobian.row(p) = out[p].v.transpose();
  }
}

}  // namespace sbi
