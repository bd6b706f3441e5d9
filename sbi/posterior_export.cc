#include "sbi/posterior_export.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "io/output_files.h"

namespace sbi {
namespace {

std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string strip_dollars(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '$') out += c;
  return out;
}

}  // namespace

ExportFormat parse_export_format(const std::string& name) {
  if (name == "getdist") return ExportFormat::kGetDist;
  if (name == "csv") return ExportFormat::kCsv;
  throw core::Error("unknown export format '" + name + "' (expected getdist or csv)");
}

std::optional<core::Prior> prior_of(const io::PosteriorDraws& draws) {
  for (const auto& [k, v] : draws.string_attrs)
    if (k == "prior" && !v.empty() && v != "none") return core::Prior::parse(v);
  return std::nullopt;
}

std::vector<ExportedFile> export_files(const io::PosteriorDraws& draws,
                                       const std::optional<core::Prior>& prior,
                                       ExportFormat format, const std::string& root) {
  const size_t k_obs = draws.samples.size();
  const size_t dim = draws.parameter_names.size();
  core::check(k_obs >= 1, "export_posterior: the file holds no observations");
  core::check(!prior || prior->dim() == static_cast<int>(dim),
              "export_posterior: the prior has " + std::to_string(prior ? prior->dim() : 0) +
                  " parameters, the file " + std::to_string(dim));
  std::vector<ExportedFile> files;
  auto write = [&](const std::string& path, std::string content) {
    files.push_back({path, std::move(content)});
  };
  for (size_t k = 0; k < k_obs; ++k) {
    const std::string base = k_obs == 1 ? root : root + "_obs" + std::to_string(k);
    const Eigen::MatrixXd& s = draws.samples[k];
    core::check(static_cast<size_t>(s.rows()) == dim, "export_posterior: draws and names disagree");
    const bool has_lp = k < draws.log_prob.size() && draws.log_prob[k].size() == s.cols();
    std::string body;
    if (format == ExportFormat::kCsv) {
      for (size_t d = 0; d < dim; ++d) body += (d ? "," : "") + draws.parameter_names[d];
      body += "\n";
      for (Eigen::Index j = 0; j < s.cols(); ++j) {
        for (size_t d = 0; d < dim; ++d) body += (d ? "," : "") + num(s(d, j));
        body += "\n";
      }
      write(base + ".csv", body);
      continue;
    }
    for (Eigen::Index j = 0; j < s.cols(); ++j) {
      body += "1 " + num(has_lp ? -draws.log_prob[k][j] : 0.0);
      for (size_t d = 0; d < dim; ++d) body += " " + num(s(d, j));
      body += "\n";
    }
    write(base + ".txt", body);
    std::string names;
    for (size_t d = 0; d < dim; ++d) {
      const std::string latex = d < draws.latex_labels.size() && !draws.latex_labels[d].empty()
                                    ? strip_dollars(draws.latex_labels[d])
                                    : draws.parameter_names[d];
      names += draws.parameter_names[d] + "\t" + latex + "\n";
    }
    write(base + ".paramnames", names);
    std::string ranges;
    for (size_t d = 0; d < dim; ++d) {
      std::string lo = "N", hi = "N";
      if (prior) {
        const double l = prior->lower()[d], h = prior->upper()[d];
        if (std::isfinite(l)) lo = num(l);
        if (std::isfinite(h)) hi = num(h);
      }
      ranges += draws.parameter_names[d] + "\t" + lo + "\t" + hi + "\n";
    }
    write(base + ".ranges", ranges);
    write(base + ".properties.ini", "burn_removed = T\n");
  }
  return files;
}

std::vector<std::string> export_posterior(const io::PosteriorDraws& draws,
                                          const std::optional<core::Prior>& prior,
                                          ExportFormat format, const std::string& root,
                                          const std::vector<std::string>& inputs) {
  const std::vector<ExportedFile> files = export_files(draws, prior, format, root);
  io::OutputFiles out(inputs);
  for (const ExportedFile& file : files) out.add(file.path);  // every check before any write
  for (const ExportedFile& file : files) out.write_text(file.path, file.content);
  out.commit();
  return out.paths();
}

}  // namespace sbi
