// Exporting posterior.h5 to the plain-text formats of other tools (POSTERIOR_FORMAT.md, "GetDist
// and plain text"):
//   getdist: ROOT.txt (rows "weight  -log q  theta_1 ... theta_D", weight 1 for i.i.d. draws),
//            ROOT.paramnames ("name  latex" per line, no $), ROOT.ranges ("name min max", N for
//            an open side, from the prior support) and ROOT.properties.ini (burn_removed = T);
//   csv:     ROOT.csv, a header line of parameter names and one row per draw.
// A file with K > 1 observations gives one set of files per observation k, with root
// ROOT_obs<k>; with K = 1 the root is ROOT itself.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/prior.h"
#include "io/posterior_file.h"

namespace sbi {

enum class ExportFormat { kGetDist, kCsv };
// "getdist" or "csv"; throws core::Error naming the accepted values.
ExportFormat parse_export_format(const std::string& name);

// The prior recorded in a posterior file's "prior" root attribute, if any (not "none").
std::optional<core::Prior> prior_of(const io::PosteriorDraws& draws);

struct ExportedFile {
  std::string path;
  std::string content;
};

// The files of an export, in memory. Numbers are written with 17 significant digits, so
// draws read back exactly. Without log q in the file, -log q is 0.
std::vector<ExportedFile> export_files(const io::PosteriorDraws& draws,
                                       const std::optional<core::Prior>& prior,
                                       ExportFormat format, const std::string& root);

// Writes the files of export_files all or nothing (io/output_files.h) and returns their
// paths. `inputs`: files that must not be overwritten (the posterior file itself).
std::vector<std::string> export_posterior(const io::PosteriorDraws& draws,
                                          const std::optional<core::Prior>& prior,
                                          ExportFormat format, const std::string& root,
                                          const std::vector<std::string>& inputs = {});

}  // namespace sbi
