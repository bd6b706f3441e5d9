// The flags of `sbi train` that choose the model and the training, parsed into typed
// options in this one place (bench/bench_sbibm accepts the same flags through it).
//
//   Flags flags(args, with_train_flags({"data", "out"}), train_switches());
//   ModelOptions model = model_options_from(flags);
//   TrainOptions train = train_options_from(flags, model.density.kind);
#pragma once

#include <set>
#include <string>

#include "apps/flags.h"
#include "sbi/model_options.h"
#include "sbi/trainer.h"

namespace sbi::app {

// `others` plus every value flag read below.
std::set<std::string> with_train_flags(std::set<std::string> others);
// The switches read below.
std::set<std::string> train_switches();

// --estimator (default nsf) and its defaults (flows::default_density_options), overridden by
// the architecture flags, the estimator's own settings, the embedding
// and --seed; validated (core::Error names the flag's setting and the accepted values).
ModelOptions model_options_from(const Flags& flags);

// The estimator's training defaults (sbi::default_train_options), overridden by the flags;
// the seed is --seed's.
TrainOptions train_options_from(const Flags& flags, flows::DensityKind estimator);

}  // namespace sbi::app
