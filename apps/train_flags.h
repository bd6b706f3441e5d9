// The flags of `sbi train` that choose the model and the training, parsed into typed
// options in this one place (bench/bench_sbibm accepts the same flags through it).
//
//   CommandSpec spec{"train", ...};  spec.flags = train_flag_specs();  (plus the command's own)
//   Flags flags(args, spec);
//   ModelOptions model = model_options_from(flags);
//   TrainOptions train = train_options_from(flags, model.density.kind);
#pragma once

#include <string>
#include <vector>

#include "apps/flag_spec.h"
#include "apps/flags.h"
#include "sbi/model_options.h"
#include "sbi/trainer.h"

namespace sbi::app {

// Every flag read below, with its help and its default taken from the default options
// (per estimator where they differ: "20 (cnf: 50)").
std::vector<FlagSpec> train_flag_specs();

// --estimator (default: default_estimator) and its defaults (sbi::default_density_options), overridden by
// the architecture flags, the estimator's own settings, the embedding
// and --seed; validated (core::Error names the flag's setting and the accepted values).
ModelOptions model_options_from(const Flags& flags,
                                sbi::DensityKind default_estimator = sbi::DensityKind::kNSF);

// The estimator's training defaults (sbi::default_train_options), overridden by the flags;
// the seed is --seed's.
TrainOptions train_options_from(const Flags& flags, sbi::DensityKind estimator);

}  // namespace sbi::app
