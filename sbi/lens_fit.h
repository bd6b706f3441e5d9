// Classical lens modelling, the method NPE is compared against: the 12 parameters θ of the
// `lensing` task (SIE + external shear + elliptical Sérsic; simulators/lensing.h) fitted to one
// observed image by weighted least squares,
//   min_θ χ²(θ) = Σ_p [(m_p(θ) - d_p) / σ_p]²   over the used (unmasked) pixels p,
// m(θ) the simulator's noise-free image (same grid, supersampling, pooling and PSF; the
// instrument is the simulator's config) and σ_p its per-pixel noise σ (noise_sigma or the
// noise map). Levenberg–Marquardt in Ceres, with the Jacobian by automatic differentiation
// (lens_fit_model.h), each parameter kept inside the prior's support by Ceres' parameter
// bounds, from a given start (in practice the NPE posterior mean).
//
// Uncertainties: the Gauss–Newton covariance at the fit, C = (JᵀJ)⁻¹ with J = ∂r/∂θ of the
// whitened residuals r_p = (m_p - d_p)/σ_p (ceres::Covariance, dense SVD), σ_i = sqrt(C_ii);
// not rescaled by χ²/dof. For a correct model and Gaussian noise, χ² at the fit follows a
// chi-square distribution with dof = (used pixels) - 12 degrees of freedom, so χ²/dof ~ 1.
// Bounds are ignored by the covariance: for a parameter at a bound (summary.at_bound) its σ
// describes the unconstrained curvature only.
//
//   LensFitSummary summary;
//   Eigen::VectorXd theta = fit_lens(lensing, prior, image, mask, start, {}, &summary);
#pragma once

#include <string>
#include <vector>

#include <Eigen/Core>

#include "core/prior.h"
#include "simulators/lensing.h"

namespace sbi {

struct LensFitOptions {
  int max_iterations = 200;            // Levenberg–Marquardt iterations, >= 1
  double function_tolerance = 1e-10;   // Ceres: stop when |Δχ²| / χ² falls below this
  double gradient_tolerance = 1e-10;   // Ceres: max-norm of the projected gradient
  double parameter_tolerance = 1e-10;  // Ceres: relative step size

  bool is_valid(std::string* error) const;
};

struct LensFitSummary {
  Eigen::VectorXd start;          // θ where the fit started
  Eigen::VectorXd theta;          // the best fit
  Eigen::VectorXd sigma;          // sqrt(C_ii); NaN when the covariance could not be computed
  Eigen::MatrixXd covariance;     // C, 12 x 12 (NaN likewise)
  bool covariance_ok = false;
  double reciprocal_condition = 0;  // λ_min / λ_max of JᵀJ at the fit (0: singular)
  std::vector<bool> at_bound;     // θ_i on a bound of the prior's support
  Eigen::VectorXd model_image;    // m(θ) at the fit (npix², row-major)
  double initial_chi2 = -1;       // χ² at the start; -1: not run
  double chi2 = -1;               // χ² at the fit
  long num_pixels = 0;            // used pixels
  long dof = 0;                   // num_pixels - 12
  double reduced_chi2 = -1;       // chi2 / dof
  int iterations = 0;             // Levenberg–Marquardt iterations taken
  bool converged = false;         // Ceres stopped on a tolerance (CONVERGENCE)
  std::string termination;        // Ceres termination type: CONVERGENCE, NO_CONVERGENCE, ...
  std::string message;            // Ceres' reason, and why the covariance failed if it did
  double seconds = 0;
};

// Fits θ to `observed` (npix² values, row-major as the simulator's x). `mask`: npix² values,
// 1 = use the pixel, 0 = ignore it, or empty for all pixels. `prior`: 12 marginals, whose
// support bounds the fit. `lensing` and `prior` are borrowed. Throws core::Error, one line
// naming the input, for: images of the wrong size or with NaN/Inf, a mask that is not 0/1,
// a used pixel with σ = 0, Poisson noise (σ would depend on the model), 12 or fewer used
// pixels, an unphysical start (q <= 0, θ_E < 0, ...) or one outside the prior's support.
Eigen::VectorXd fit_lens(const simulators::StrongLensing& lensing, const core::Prior& prior,
                         const Eigen::VectorXd& observed, const Eigen::VectorXd& mask,
                         const Eigen::VectorXd& start, const LensFitOptions& options,
                         LensFitSummary* summary);

}  // namespace sbi
