// The task of `--task NAME [--param key=value ...]`, for the commands that simulate (sbi
// simulate, sbi diagnose): the registry's task, with the files its parameters name (the
// lensing PSF and noise map) read through io::H5File.
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "apps/flags.h"
#include "simulators/simulator.h"

namespace sbi::app {

// The files the task reads (the values of --param psf_file= and noise_file=): inputs, which
// an output may never replace (io::OutputFiles).
std::vector<std::string> task_input_files(const Flags& flags);

simulators::Task task_from_flags(const Flags& flags);

// A 2-D dataset of an HDF5 file as M(i, j) = dataset[i][j] (a PSF, a noise map); NaN and
// Inf are refused (they would silently poison every simulation). The reader the registry's
// tasks get for their files.
Eigen::MatrixXd read_2d_dataset(const std::string& path, const std::string& dataset);

}  // namespace sbi::app
