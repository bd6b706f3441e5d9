// A source-plane surface brightness: the interface through which ray tracing evaluates the
// parametric (sersic.h) and pixelated (pixelated_source.h) sources. Positions in arcsec,
// brightness in the image's units per unit solid angle (lensing conserves it).
#pragma once

namespace sbi::simulators::lensing {

class Source {
 public:
  virtual ~Source() = default;
  // out[i] = the surface brightness at (x[i], y[i]) for i < n.
  virtual void brightness(int n, const double* x, const double* y, double* out) const = 0;
  double brightness(double x, double y) const {
    double out;
    brightness(1, &x, &y, &out);
    return out;
  }
};

}  // namespace sbi::simulators::lensing
