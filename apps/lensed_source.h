// The lensing forward model of a pixelated source, for `sbi reconstruct` and `sbi lens-image`:
// y = P B s + n (simulators/lensing/lensing_operator.h), s the source's rows x cols pixels
// (surface brightness, in the image's units), P the PSF, n the pixel noise.
//
//   --param KEY=VALUE   the instrument, as `sbi simulate --task lensing` reads it (npix,
//                       pixel_scale, supersample, psf_fwhm, psf_size, noise_sigma,
//                       psf_file=, noise_file=)
//   --lens FILE         the lens: the first five entries (theta_E [arcsec], q, phi [rad],
//                       gamma1, gamma2) of row --lens-row (default 0) of FILE's /theta; a
//                       file of `sbi simulate --task lensing`, `sbi lens-fit` or
//                       `sbi prior sample` holds it
//   --source-pixel-scale S   the source pixels' side [arcsec] (default 0.05); the source grid
//                       is centred on the optical axis
#pragma once

#include <Eigen/SparseCore>
#include <string>
#include <vector>

#include "apps/flags.h"
#include "simulators/lensing.h"
#include "simulators/lensing/pixelated_source.h"
#include "simulators/simulator.h"

namespace sbi::app {

struct LensedSource {
  simulators::Task task;                      // the lensing task (owns the instrument)
  const simulators::StrongLensing* lensing = nullptr;
  Eigen::VectorXd lens;                       // theta_E, q, phi, gamma1, gamma2
  simulators::lensing::SourceGrid grid;
  Eigen::SparseMatrix<double> forward;        // P B: npix² x rows cols
  std::vector<std::string> lens_names() const;
};

// Throws core::Error naming the flag for a missing or bad lens file, row or value, or bad
// instrument settings.
LensedSource lensed_source(const Flags& flags, int rows, int cols);

// The files the flags read (--lens, the PSF and noise files of --param): inputs no output may
// replace.
std::vector<std::string> lensed_source_inputs(const Flags& flags);

}  // namespace sbi::app
