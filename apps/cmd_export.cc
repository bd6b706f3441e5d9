// sbi export posterior.h5 --format getdist|csv --out ROOT: the draws as GetDist chains
// (ROOT.txt, .paramnames, .ranges, .properties.ini) or a CSV file (ROOT.csv), as
// POSTERIOR_FORMAT.md describes; with K > 1 observations, one set per observation
// (ROOT_obs<k>.*).
#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "apps/progress_reporter.h"
#include "core/error.h"
#include "io/posterior_file.h"
#include "sbi/posterior_export.h"

namespace sbi::app {

int cmd_export(const Invocation& inv) {
  Flags flags(inv.args, command_spec("export"));
  const std::vector<std::string>& pos = flags.positional();
  core::check(pos.size() == 1, "sbi export takes one posterior file: sbi export posterior.h5 "
                               "--format getdist|csv --out ROOT");
  const ExportFormat format = parse_export_format(flags.required("format"));
  const std::string root = flags.required("out");
  const io::PosteriorDraws draws = io::read_posterior_file(pos[0]);
  const std::vector<std::string> files =
      export_posterior(draws, prior_of(draws), format, root, {pos[0]});
  log_line("wrote %zu file(s): %s%s", files.size(), files.front().c_str(), files.size() > 1 ? " ..." : "");
  return 0;
}

}  // namespace sbi::app
