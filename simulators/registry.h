// Tasks by name, for the command line (`sbi simulate --task NAME --param k=v`). String
// parameters are parsed here, once, into each task's typed config.
#pragma once

#include <Eigen/Core>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "simulators/simulator.h"

namespace sbi::simulators {

// Reads a 2-D numeric dataset of an HDF5 file as M(i, j) = dataset[i][j] (i along the file's
// first axis), throwing core::Error naming the file and dataset on failure. simulators/ does
// not link io/, so the caller that reads files (apps/, with io::H5File) passes one.
using DatasetReader =
    std::function<Eigen::MatrixXd(const std::string& path, const std::string& dataset)>;

// The task called `name` with `params` overriding its defaults. Accepted keys:
//   two_moons, slcp:          none
//   gaussian_linear:          dim (int), prior_var, noise_var
//   gaussian_linear_uniform:  dim (int), prior_bound, noise_var
//   dwarf:                    num_stars, num_stars_min, v_err, anisotropy, grid_points
//   cosmo_field:              free (comma list), omega_m, sigma8, w0, h, n_s, omega_b, t_cmb
//                             (fixed values), field, transfer, pixels, side_deg, z_s,
//                             shape_noise, n_gal, summary, power_bins, smoothing_arcmin,
//                             peak_edges (comma list); see simulators/cosmo_field.h
//   lensing:                  npix, pixel_scale, supersample, psf_fwhm, psf_size, noise_sigma,
//                             poisson (0 or 1), psf_file=FILE (its /psf replaces the Gaussian
//                             PSF), noise_file=FILE (its /noise_map, npix x npix, replaces
//                             noise_sigma); see simulators/lensing.h. The two files are read
//                             with `read_dataset`, which they require.
//   galaxy_images:            npix, pixel_scale, supersample, psf_fwhm, noise_sigma,
//                             substructure (clumps, arms or mixed); see
//                             simulators/galaxy_images.h.
// Throws core::Error for an unknown name (listing the known tasks), an unknown key (listing
// the task's keys) or a value that does not parse or is out of range.
Task make_task(const std::string& name, const std::map<std::string, std::string>& params = {},
               const DatasetReader& read_dataset = {});

// Known task names, sorted.
std::vector<std::string> task_names();

}  // namespace sbi::simulators
