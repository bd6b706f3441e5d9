// A source-plane surface brightness: the interface through which ray tracing evaluates the
// parametric (sersic.h) and pixelated (pixelated_source.h) sources. Positions in arcsec,
// brightness in the image's units per unit solid angle (lensing conserves it).
//
// A template on the scalar type (double, or an automatic-differentiation scalar for the lens
// fit: scalar_math.h); Source is the double interface.
#pragma once

namespace sbi::simulators::lensing {

template <class T>
class SourceT {
 public:
  virtual ~SourceT() = default;
  // out[i] = the surface brightness at (x[i], y[i]) for i < n.
  virtual void brightness(int n, const T* x, const T* y, T* out) const = 0;
  T brightness(const T& x, const T& y) const {
    T out;
    brightness(1, &x, &y, &out);
    return out;
  }
};

using Source = SourceT<double>;

}  // namespace sbi::simulators::lensing
