// The monotone rational-quadratic spline of neural spline flows (Durkan et al. 2019,
// Sec. 3.1), as an elementwise map: K bins on [-B, B], identity (linear tails) outside.
//
// Per dimension the conditioner gives P = 3K - 1 unconstrained numbers, in blocks
// [widths a (K); heights b (K); interior derivatives c (K - 1)], mapped as in nflows'
// `rational_quadratic_spline` with its guards:
//
//   w = m_w + (1 - m_w K) softmax(r a),      knots x_k = -B + 2B sum_{l<k} w_l,  x_0 = -B, x_K = B
//   h = m_h + (1 - m_h K) softmax(r b),      knots y_k likewise
//   d_k = m_d + softplus(c_{k-1} + c_0),     k = 1..K-1;  d_0 = d_K = 1 (matches the tails)
//
// with c_0 = log(e^{1 - m_d} - 1), so that params = 0 (uniform bins, unit derivatives) is
// the identity (nflows pads the boundary derivatives with the same constant), and r the
// logit scale (nflows' coupling divides the width and height logits by sqrt(hidden
// features), which slows how fast a conditioner reshapes the bins). In bin k, with
// s = H/W (H = y_{k+1} - y_k, W = x_{k+1} - x_k) and xi = (x - x_k) / W in [0, 1]:
//
//   g(x)  = y_k + H [s xi^2 + d_k xi(1-xi)] / [s + (d_{k+1} + d_k - 2s) xi(1-xi)]      (eq. 4)
//   g'(x) = s^2 [d_{k+1} xi^2 + 2 s xi(1-xi) + d_k (1-xi)^2] / [s + (...) xi(1-xi)]^2  (eq. 5)
//
// The inverse solves the quadratic of Durkan et al. 2019, Appendix A, for xi with the
// cancellation-free root: 2c / (-b - sqrt(b^2 - 4ac)) as nflows when b >= 0, and the same
// root as (-b + sqrt(b^2 - 4ac)) / 2a when b < 0 (which nflows does not special-case).
// Gradients with respect to x and to the unconstrained parameters are analytic (reverse
// mode through eq. 4 and 5, the knot cumsums, the softmaxes and the softplus).
#pragma once

#include <string>

#include "flows/elementwise.h"

namespace sbi::flows {

struct RationalQuadraticSplineOptions {
  int bins = 8;                 // K, bins on [-B, B]
  double bound = 5.0;           // B: the spline acts on [-B, B] (z-scored inputs), identity outside
  double min_bin_width = 1e-3;  // m_w, smallest bin width as a fraction of 2B (m_w K < 1)
  double min_bin_height = 1e-3; // m_h, smallest bin height as a fraction of 2B (m_h K < 1)
  double min_derivative = 1e-3; // m_d, smallest knot derivative (0 < m_d < 1)
  double logit_scale = 1.0;     // r > 0, multiplies the width and height logits

  bool is_valid(std::string* error) const;
};

class RationalQuadraticSpline : public ElementwiseMap {
 public:
  explicit RationalQuadraticSpline(const RationalQuadraticSplineOptions& options);

  std::string name() const override { return "rational_quadratic_spline"; }
  int num_params() const override { return 3 * options_.bins - 1; }
  const RationalQuadraticSplineOptions& options() const { return options_; }

  void forward(const Matrix& params, const Matrix& u, Matrix* z, Matrix* log_det) const override;
  void inverse(const Matrix& params, const Matrix& z, Matrix* u, Matrix* log_det) const override;
  void backward(const Matrix& params, const Matrix& u, const Matrix& grad_z,
                const Matrix& grad_log_det, Matrix* grad_u, Matrix* grad_params) const override;

 private:
  RationalQuadraticSplineOptions options_;
  double derivative_shift_;  // c_0 = log(e^{1 - m_d} - 1)
};

}  // namespace sbi::flows
