// sbi sample with a likelihood model (sbi train --target x): the posterior
// p(θ | x_o) ∝ q(x_o | θ) p(θ) by slice sampling or the ensemble sampler (--mcmc;
// sbi/likelihood_posterior.h), several chains
// per observation, with R̂ and ESS (sbi/mcmc_diagnostics.h) printed per
// parameter and the chains kept on the posterior file's chain dimension.
#pragma once

#include <string>

#include "apps/commands.h"
#include "apps/flags.h"
#include "io/output_files.h"
#include "sbi/posterior_model.h"

namespace sbi::app {

int sample_by_mcmc(const Invocation& inv, const Flags& flags, const PosteriorModel& model,
                   const std::string& model_path, const std::string& obs_path, const std::string& out_path,
                   io::OutputFiles* out);

}  // namespace sbi::app
