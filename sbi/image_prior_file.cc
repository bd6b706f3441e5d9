#include "sbi/image_prior_file.h"

#include <utility>

#include "core/error.h"
#include "io/data_shape_attributes.h"
#include "sbi/network_file_parts.h"

namespace sbi {
namespace {
constexpr const char* kFormat = "sbi-toolkit image prior";
}  // namespace

void write_image_prior(io::H5File& f, diffusion::ImagePrior& prior, const TrainSummary& summary,
                       const io::Provenance& provenance, const std::string& data_file) {
  io::stamp_provenance(f, provenance);
  f.set_attr("/", "format", std::string(kFormat));
  f.set_attr("/", "format_version", kImagePriorFormatVersion);
  io::write_shape_attributes(f, prior.shape());
  f.set_attr("/", "retained_variance", prior.basis().retained_fraction());
  f.set_attr("/", "data_file", data_file);
  const diffusion::PcaBasis& basis = prior.basis();
  f.write_vector("/pca/mean", basis.mean);
  f.write_matrix("/pca/components", basis.components);
  f.write_vector("/pca/variances", basis.variances);
  f.set_attr("/pca", "total_variance", basis.total_variance);
  write_hyperparameters(f, "/score/hyperparameters", prior.score().hyperparameters());
  write_weights(f, prior.score().parameters());
  write_training_history(f, summary);
}

diffusion::ImagePrior load_image_prior(const std::string& path) {
  io::H5File f = io::H5File::open_read(path);
  if (!f.has_attr("/", "format") || f.get_string_attr("/", "format") != kFormat)
    throw core::Error(path + " is not an sbi image prior file (no format = \"" + kFormat +
                      "\" attribute); train one with `sbi prior train`");
  const std::int64_t version = f.get_int_attr("/", "format_version");
  if (version > kImagePriorFormatVersion)
    throw core::Error(path + " has image prior format version " + std::to_string(version) +
                      ", newer than this program reads (" + std::to_string(kImagePriorFormatVersion) +
                      "); upgrade sbi-toolkit");
  for (const char* name : {"/pca/mean", "/pca/components", "/pca/variances"})
    core::check(f.is_dataset(name), path + " has no " + name + " dataset (corrupt image prior file)");
  diffusion::PcaBasis basis;
  basis.mean = f.read_vector("/pca/mean");
  basis.variances = f.read_vector("/pca/variances");
  basis.components = f.read_matrix("/pca/components", basis.mean.size(), io::NanPolicy::kReject);
  basis.total_variance = f.get_double_attr("/pca", "total_variance");
  basis.check(path);
  const diffusion::ScoreModelOptions options = diffusion::ScoreModelOptions::from_hyperparameters(
      read_hyperparameters(f, "/score/hyperparameters", path + ": score model"));
  diffusion::ScoreModel score(options);
  read_weights(f, path, score.parameters());
  return diffusion::ImagePrior(std::move(basis), std::move(score), io::read_shape_attributes(f));
}

}  // namespace sbi
