// sbi info: what is in an HDF5 file, human readable.
#include <cstdio>

#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "core/error.h"
#include "io/describe.h"

namespace sbi::app {

int cmd_info(const Invocation& inv) {
  Flags flags(inv.args, command_spec("info"));
  core::check(flags.positional().size() == 1, "usage: sbi info FILE.h5");
  std::fputs(io::describe_file(flags.positional()[0]).c_str(), stdout);
  return 0;
}

}  // namespace sbi::app
