// `sbi simulate --plugin LIB.so --prior SPEC|FILE --num N --seed S --out sims.h5`: the
// simulations of a simulator plugin (simulators/plugin.h), with the failed ones recorded.
#pragma once

#include "apps/commands.h"
#include "apps/flags.h"

namespace sbi::app {

int simulate_with_plugin(const Invocation& inv, const Flags& flags);

}  // namespace sbi::app
