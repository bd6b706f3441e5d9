#include "flows/rational_quadratic_spline.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"

namespace sbi::flows {
namespace {

double softplus(double v) { return v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); }

double sigmoid(double v) {
  if (v >= 0) return 1.0 / (1.0 + std::exp(-v));
  const double e = std::exp(v);
  return e / (1.0 + e);
}

// softmax of r v[0], r v[stride], ..., r v[(k-1) stride] into out[0..k), r > 0.
void softmax(const double* v, Eigen::Index stride, int k, double r, double* out) {
  double m = v[0];
  for (int l = 1; l < k; ++l) m = std::max(m, v[l * stride]);
  double sum = 0;
  for (int l = 0; l < k; ++l) sum += (out[l] = std::exp(r * (v[l * stride] - m)));
  for (int l = 0; l < k; ++l) out[l] /= sum;
}

// The knots of one spline (one dimension of one sample) from its 3K - 1 unconstrained
// parameters p[0], p[stride], ... (widths, heights, interior derivatives). Buffers are
// sized once and reused for every element. Derivatives are evaluated on demand, since only
// the two at the ends of the active bin are ever needed.
struct Knots {
  Knots(const RationalQuadraticSplineOptions& o, double shift)
      : o_(o), shift_(shift), sw_(o.bins), sh_(o.bins), x_(o.bins + 1), y_(o.bins + 1) {}

  void compute(const double* p, Eigen::Index stride) {
    const int k = o_.bins;
    p_ = p;
    stride_ = stride;
    softmax(p, stride, k, o_.logit_scale, sw_.data());
    softmax(p + k * stride, stride, k, o_.logit_scale, sh_.data());
    cumulate(sw_, o_.min_bin_width, &x_);
    cumulate(sh_, o_.min_bin_height, &y_);
  }

  // Bin k with t_k <= v < t_{k+1} in the knot list t (x_ or y_), clamped to [0, K - 1].
  int bin(const std::vector<double>& t, double v) const {
    return static_cast<int>(std::upper_bound(t.begin() + 1, t.begin() + o_.bins, v) - (t.begin() + 1));
  }

  bool interior(int m) const { return m > 0 && m < o_.bins; }
  // Unconstrained argument of the softplus at interior knot m: c_{m-1} + c_0.
  double derivative_arg(int m) const { return p_[(2 * o_.bins + m - 1) * stride_] + shift_; }
  // d_m = m_d + softplus(c_{m-1} + c_0) inside, 1 at both ends.
  double derivative(int m) const {
    return interior(m) ? o_.min_derivative + softplus(derivative_arg(m)) : 1.0;
  }

  const RationalQuadraticSplineOptions& o_;
  double shift_;
  const double* p_ = nullptr;
  Eigen::Index stride_ = 1;
  std::vector<double> sw_, sh_;  // softmax of the widths / heights
  std::vector<double> x_, y_;    // knots, K + 1 each

  // knots t_m = -B + 2B sum_{l<m} (m_min + (1 - m_min K) s_l), with t_0 = -B, t_K = B exactly.
  void cumulate(const std::vector<double>& s, double min_size, std::vector<double>* t) const {
    const int k = o_.bins;
    const double b = o_.bound, scale = 1.0 - min_size * k;
    double acc = 0;
    (*t)[0] = -b;
    for (int m = 1; m < k; ++m) {
      acc += min_size + scale * s[m - 1];
      (*t)[m] = -b + 2 * b * acc;
    }
    (*t)[k] = b;
  }
};

// The terms of eq. 4 and 5 in bin k at xi.
struct BinTerms {
  double xi, s, width, height, d0, d1;
  double e;       // xi (1 - xi)
  double kappa;   // d_{k+1} + d_k - 2 s
  double num;     // s xi^2 + d_k e
  double den;     // s + kappa e
  double dnum;    // d_{k+1} xi^2 + 2 s e + d_k (1 - xi)^2

  BinTerms(const Knots& kn, int k, double xi_in) {
    xi = xi_in;
    width = kn.x_[k + 1] - kn.x_[k];
    height = kn.y_[k + 1] - kn.y_[k];
    s = height / width;
    d0 = kn.derivative(k);
    d1 = kn.derivative(k + 1);
    e = xi * (1 - xi);
    kappa = d1 + d0 - 2 * s;
    num = s * xi * xi + d0 * e;
    den = s + kappa * e;
    dnum = d1 * xi * xi + 2 * s * e + d0 * (1 - xi) * (1 - xi);
  }
  // log g'(x) of eq. 5.
  double log_derivative() const { return 2 * std::log(s) + std::log(dnum) - 2 * std::log(den); }
};

}  // namespace

bool RationalQuadraticSplineOptions::is_valid(std::string* error) const {
  if (bins < 2) *error = "RationalQuadraticSplineOptions::bins = " + std::to_string(bins) + " must be >= 2";
  else if (!(bound > 0)) *error = "RationalQuadraticSplineOptions::bound must be > 0";
  else if (!(min_bin_width > 0 && min_bin_width * bins < 1))
    *error = "RationalQuadraticSplineOptions::min_bin_width must be in (0, 1 / bins)";
  else if (!(min_bin_height > 0 && min_bin_height * bins < 1))
    *error = "RationalQuadraticSplineOptions::min_bin_height must be in (0, 1 / bins)";
  else if (!(min_derivative > 0 && min_derivative < 1))
    *error = "RationalQuadraticSplineOptions::min_derivative must be in (0, 1)";
  else if (!(logit_scale > 0 && std::isfinite(logit_scale)))
    *error = "RationalQuadraticSplineOptions::logit_scale must be finite and > 0";
  else return true;
  return false;
}

RationalQuadraticSpline::RationalQuadraticSpline(const RationalQuadraticSplineOptions& options)
    : options_(options) {
  std::string error;
  if (!options.is_valid(&error)) throw core::Error("RationalQuadraticSpline: " + error);
  // softplus(c_0) = 1 - m_d, so that d = 1 when the unconstrained derivative is 0.
  derivative_shift_ = std::log(std::expm1(1.0 - options.min_derivative));
}

void RationalQuadraticSpline::forward(const Matrix& params, const Matrix& u, Matrix* z,
                                      Matrix* log_det) const {
  const Eigen::Index n = u.rows();
  core::check(params.rows() == num_params() * n && params.cols() == u.cols(),
              "RationalQuadraticSpline::forward: params has the wrong shape");
  const double b = options_.bound;
  Knots kn(options_, derivative_shift_);
  *z = u;
  for (Eigen::Index j = 0; j < u.cols(); ++j) {
    for (Eigen::Index i = 0; i < n; ++i) {
      const double x = u(i, j);
      if (!(x >= -b && x <= b)) continue;  // linear tails: identity, log|det| = 0
      kn.compute(&params(i, j), n);
      const int k = kn.bin(kn.x_, x);
      const BinTerms t(kn, k, std::clamp((x - kn.x_[k]) / (kn.x_[k + 1] - kn.x_[k]), 0.0, 1.0));
      (*z)(i, j) = kn.y_[k] + t.height * t.num / t.den;  // eq. 4
      (*log_det)(0, j) += t.log_derivative();            // eq. 5
    }
  }
}

void RationalQuadraticSpline::inverse(const Matrix& params, const Matrix& z, Matrix* u,
                                      Matrix* log_det) const {
  const Eigen::Index n = z.rows();
  core::check(params.rows() == num_params() * n && params.cols() == z.cols(),
              "RationalQuadraticSpline::inverse: params has the wrong shape");
  const double b = options_.bound;
  Knots kn(options_, derivative_shift_);
  *u = z;
  for (Eigen::Index j = 0; j < z.cols(); ++j) {
    for (Eigen::Index i = 0; i < n; ++i) {
      const double y = z(i, j);
      if (!(y >= -b && y <= b)) continue;
      kn.compute(&params(i, j), n);
      const int k = kn.bin(kn.y_, y);
      // Appendix A: eq. 4 = y is a xi^2 + b xi + c = 0 with, for dy = y - y_k,
      //   a = H (s - d_k) + dy kappa,  b = H d_k - dy kappa,  c = -s dy <= 0,
      // whose root in [0, 1] is xi = 2c / (-b - sqrt(b^2 - 4ac)) (nflows' form, free of
      // cancellation for b >= 0). b turns negative near the top of a bin when
      // d_{k+1} > 2s; there the same root is taken as (-b + sqrt(b^2 - 4ac)) / 2a (then
      // a > 0), the other half of the textbook stable pair.
      const BinTerms t0(kn, k, 0.0);
      const double dy = y - kn.y_[k];
      const double qa = t0.height * (t0.s - t0.d0) + dy * t0.kappa;
      const double qb = t0.height * t0.d0 - dy * t0.kappa;
      const double qc = -t0.s * dy;
      const double root = std::sqrt(std::max(qb * qb - 4 * qa * qc, 0.0));
      const double xi = std::clamp(qb >= 0 ? 2 * qc / (-qb - root) : (root - qb) / (2 * qa), 0.0, 1.0);
      (*u)(i, j) = kn.x_[k] + xi * t0.width;
      if (log_det != nullptr) (*log_det)(0, j) -= BinTerms(kn, k, xi).log_derivative();
    }
  }
}

void RationalQuadraticSpline::backward(const Matrix& params, const Matrix& u, const Matrix& grad_z,
                                       const Matrix& grad_log_det, Matrix* grad_u,
                                       Matrix* grad_params) const {
  const Eigen::Index n = u.rows();
  const int nbins = options_.bins;
  const double b = options_.bound;
  Knots kn(options_, derivative_shift_);
  // Adjoints of the knots x_k, y_k and of the bin fractions w, h.
  std::vector<double> gx(nbins + 1), gy(nbins + 1), gw(nbins), gh(nbins);
  *grad_u = grad_z;  // identity outside [-B, B]
  grad_params->setZero(params.rows(), params.cols());
  for (Eigen::Index j = 0; j < u.cols(); ++j) {
    const double gl = grad_log_det(0, j);
    for (Eigen::Index i = 0; i < n; ++i) {
      const double x = u(i, j);
      if (!(x >= -b && x <= b)) continue;
      const double gz = grad_z(i, j);
      kn.compute(&params(i, j), n);
      const int k = kn.bin(kn.x_, x);
      const BinTerms t(kn, k, std::clamp((x - kn.x_[k]) / (kn.x_[k + 1] - kn.x_[k]), 0.0, 1.0));
      const double xi = t.xi, s = t.s, e = t.e, den = t.den, num = t.num, dnum = t.dnum;
      const double den2 = den * den, de_dxi = 1 - 2 * xi;
      // Partials of z = y_k + H num / den (eq. 4) and L = 2 log s + log dnum - 2 log den
      // (eq. 5) with respect to (xi, s, H, d_k, d_{k+1}), all else held fixed.
      const double dden_dxi = t.kappa * de_dxi, dden_ds = 1 - 2 * e;
      const double dnum_dxi = 2 * s * xi + t.d0 * de_dxi;
      const double ddnum_dxi = 2 * t.d1 * xi + 2 * s * de_dxi - 2 * t.d0 * (1 - xi);
      const double g_xi = gz * t.height * (dnum_dxi * den - num * dden_dxi) / den2 +
                          gl * (ddnum_dxi / dnum - 2 * dden_dxi / den);
      const double g_s = gz * t.height * (xi * xi * den - num * dden_ds) / den2 +
                         gl * (2 / s + 2 * e / dnum - 2 * dden_ds / den);
      double g_h = gz * num / den;
      const double g_d0 = gz * t.height * e * (den - num) / den2 +
                          gl * ((1 - xi) * (1 - xi) / dnum - 2 * e / den);
      const double g_d1 = -gz * t.height * num * e / den2 + gl * (xi * xi / dnum - 2 * e / den);
      // xi = (x - x_k) / W, s = H / W, W = x_{k+1} - x_k, H = y_{k+1} - y_k.
      (*grad_u)(i, j) = g_xi / t.width;
      const double g_w = -(g_xi * xi + g_s * s) / t.width;
      g_h += g_s / t.width;
      std::fill(gx.begin(), gx.end(), 0.0);
      std::fill(gy.begin(), gy.end(), 0.0);
      gx[k] += -g_xi / t.width - g_w;
      gx[k + 1] += g_w;
      gy[k] += gz - g_h;
      gy[k + 1] += g_h;
      // Knots t_m = -B + 2B sum_{l<m} f_l for 0 < m < K (t_0, t_K are constants):
      // dL/df_l = 2B sum_{m=l+1}^{K-1} dL/dt_m; then f = m + (1 - m K) softmax(r a), whose
      // reverse mode is dL/da = r (1 - m K) sm * (g - <sm, g>).
      auto knots_to_logits = [&](const std::vector<double>& gt, const std::vector<double>& sm,
                                 double min_size, std::vector<double>* gf, Eigen::Index row0) {
        double acc = 0;
        for (int l = nbins - 1; l >= 0; --l) {
          (*gf)[l] = 2 * b * acc * (1 - min_size * nbins) * options_.logit_scale;
          if (l >= 1) acc += gt[l];
        }
        double dot = 0;
        for (int l = 0; l < nbins; ++l) dot += sm[l] * (*gf)[l];
        for (int l = 0; l < nbins; ++l) (*grad_params)((row0 + l) * n + i, j) = sm[l] * ((*gf)[l] - dot);
      };
      knots_to_logits(gx, kn.sw_, options_.min_bin_width, &gw, 0);
      knots_to_logits(gy, kn.sh_, options_.min_bin_height, &gh, nbins);
      // d_m = m_d + softplus(c_{m-1} + c_0) for 0 < m < K: dd/dc = sigmoid(c_{m-1} + c_0).
      if (kn.interior(k)) (*grad_params)((2 * nbins + k - 1) * n + i, j) = g_d0 * sigmoid(kn.derivative_arg(k));
      if (kn.interior(k + 1))
        (*grad_params)((2 * nbins + k) * n + i, j) = g_d1 * sigmoid(kn.derivative_arg(k + 1));
    }
  }
}

}  // namespace sbi::flows
