// A principal-component basis of data: the linear autoencoder under which an image prior's
// score model works on a few hundred whitened coefficients instead of every pixel (latent
// diffusion, Rombach et al. 2022, with the encoder and decoder linear and exact on their span).
//
// From N samples x_i (columns, D entries each) with mean μ and sample covariance
// C = Σ (x_i - μ)(x_i - μ)^T / (N - 1) = Σ_k λ_k u_k u_k^T (λ_1 >= λ_2 >= ...), the K leading
// eigenpairs give
//     decode(w) = μ + U diag(sqrt λ) w,      encode(x) = diag(1 / sqrt λ) U^T (x - μ),
// so encode(decode(w)) = w, the coefficients of the data have mean 0 and covariance I (what
// diffusion::ScoreModel's Gaussian skip assumes), and decode(encode(x)) is the orthogonal
// projection of x onto the span (x itself when x lies in it). K is the smallest number whose
// eigenvalues hold `variance_fraction` of the total variance tr C, at most max_components and
// never an eigenvalue below 1e-12 tr C (a direction the data do not vary in cannot be whitened).
//
// A linear observation y = A x + n of x = decode(w) is one of w: y - A μ = (A U diag(sqrt λ)) w + n
// (in_coefficients), so diffusion/inverse_problem.h samples the posterior of w, and decode
// maps the draws back to pixels. What lies outside the span has prior probability zero: the
// retained fraction says how much of the data's variance that leaves out.
#pragma once

#include <Eigen/Core>

#include "diffusion/inverse_problem.h"

namespace sbi::diffusion {

struct PcaBasis {
  Vector mean;        // μ: D
  Matrix components;  // U: D x K, orthonormal columns
  Vector variances;   // λ: K, decreasing, > 0
  double total_variance = 0;  // tr C of the data the basis was fitted to

  // Fits the basis to x (D x N, N >= 2, finite); max_components >= 1, variance_fraction in
  // (0, 1]. Throws core::Error for bad input or data without variance. Costs D^2 N for the
  // covariance and D^3 for its eigendecomposition (a second or two for D = 1024, N = 10^4).
  static PcaBasis fit(const Matrix& x, int max_components, double variance_fraction);

  int dim() const { return static_cast<int>(mean.size()); }        // D
  int size() const { return static_cast<int>(variances.size()); }  // K
  double retained_fraction() const { return variances.sum() / total_variance; }

  Matrix encode(const Matrix& x) const;  // K x N from D x N
  Matrix decode(const Matrix& w) const;  // D x N from K x N
  // The observation of w that `pixels` is of x = decode(w): A U diag(sqrt λ) (dense, m x K,
  // stored sparse) and y - A μ, the same σ_n. Throws core::Error unless A has D columns.
  LinearObservation in_coefficients(const LinearObservation& pixels) const;
  // Throws core::Error naming `what` unless the fields agree in size, are finite, U has
  // orthonormal columns (to 1e-6), λ is positive and decreasing and tr C >= Σ λ.
  void check(const std::string& what) const;
};

}  // namespace sbi::diffusion
