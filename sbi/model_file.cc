#include "sbi/model_file.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "sbi/density_factory.h"
#include "io/data_shape_attributes.h"
#include "io/output_files.h"
#include "sbi/network_file_parts.h"
#include "sbi/x_mask.h"

namespace sbi {
namespace {

constexpr const char* kFormat = "sbi-toolkit model";

constexpr const char* kMaskDataset = "/normalization/x_mask";

void write_x_mask(io::H5File& f, const PosteriorModel& model) {
  const Standardizer::Mask& mask = model.x_norm.mask;
  const std::vector<std::uint8_t> values(mask.data(), mask.data() + mask.size());
  f.write_uint8_array(kMaskDataset, x_mask_file_shape(model.x_shape), values);
  f.set_attr(kMaskDataset, "source", model.x_mask_source);
  f.set_attr(kMaskDataset, "pixels_used", model.x_norm.used());
  f.set_attr(kMaskDataset, "pixels_total", static_cast<long>(mask.size()));
}

// The mask of a model file, or none for a file without one (trained without, or older).
void load_x_mask(const io::H5File& f, const std::string& path, PosteriorModel* m) {
  if (!f.has(kMaskDataset)) return;
  const std::string where = path + ": " + kMaskDataset;
  core::check(f.shape(kMaskDataset) == x_mask_file_shape(m->x_shape),
              where + " does not have the shape of x, " + m->x_shape.describe() +
                  " (corrupt model file)");
  std::vector<size_t> shape;
  const std::vector<double> values = f.read_array(kMaskDataset, &shape);
  m->x_norm.mask = x_mask_from_values(values, shape, m->x_shape, where);
  if (f.has_attr(kMaskDataset, "source"))
    m->x_mask_source = f.get_string_attr(kMaskDataset, "source");
}

// "/ensemble/member_K/": where member K >= 2 of an ensemble is kept (member 1 is the root's).
std::string member_root(size_t k) { return "/ensemble/member_" + std::to_string(k) + "/"; }

// A member's networks and normalisation under `root` ("/" or member_root(k)).
void write_member(io::H5File& f, PosteriorModel& m, const std::string& root) {
  write_hyperparameters(f, root + "density/hyperparameters", m.density->hyperparameters());
  write_hyperparameters(f, root + "embedding/hyperparameters", m.embedding->hyperparameters());
  write_weights(f, m.parameters(), root);
  f.write_vector(root + "normalization/theta_mean", m.theta_norm.mean);
  f.write_vector(root + "normalization/theta_std", m.theta_norm.std);
  f.write_vector(root + "normalization/x_mean", m.x_norm.mean);
  f.write_vector(root + "normalization/x_std", m.x_norm.std);
}

PosteriorModel read_member(const io::H5File& f, const std::string& path, const std::string& estimator,
                           const std::string& embedding, const std::string& root) {
  PosteriorModel m;
  m.density = sbi::make_density(
      estimator, read_hyperparameters(f, root + "density/hyperparameters", path + ": " + estimator));
  m.embedding = nn::make_embedding(
      embedding,
      read_hyperparameters(f, root + "embedding/hyperparameters", path + ": " + embedding + " embedding"),
      0);
  read_weights(f, path, m.parameters(), root);
  m.theta_norm = checked_normalization(f, path, "theta", root);
  m.x_norm = checked_normalization(f, path, "x", root);
  core::check(m.theta_norm.dim() == m.theta_dim() && m.x_norm.dim() == m.x_dim(),
              path + ": normalisation does not match the network (corrupt model file)");
  return m;
}

}  // namespace

void write_model(io::H5File& f, PosteriorModel& model, const TrainSummary& summary,
                 const io::Provenance& provenance, const std::vector<TrainSummary>& other_summaries) {
  core::check(other_summaries.empty() || other_summaries.size() == model.other_members.size(),
              "write_model: one training summary per further ensemble member");
  io::Provenance p = provenance;
  p.parameter_names = model.parameter_names;
  p.data_names = model.data_names;
  io::stamp_provenance(f, p);
  f.set_attr("/", "format", std::string(kFormat));
  const std::int64_t version = model.has_unbounded_theta() ? std::int64_t{6}
                               : model.ensemble_size() > 1  ? std::int64_t{5}
                               : model.is_likelihood()  ? std::int64_t{4}
                               : model.x_norm.has_mask() ? std::int64_t{3}
                                                         : std::int64_t{2};
  f.set_attr("/", "format_version", version);
  if (model.is_likelihood()) f.set_attr("/", "target", std::string("x"));
  f.set_attr("/", "estimator", model.density->kind());
  f.set_attr("/", "embedding", model.embedding->kind());
  if (model.prior) f.set_attr("/", "prior", model.prior->to_string());
  core::check(!model.has_unbounded_theta() || model.prior.has_value(),
              "write_model: a model with unbounded theta needs its prior");
  if (model.has_unbounded_theta()) f.set_attr("/", "theta_coordinates", std::string("unbounded"));
  io::write_shape_attributes(f, model.x_shape);  // set or image; nothing for vectors
  write_member(f, model, "/");
  if (model.x_norm.has_mask()) write_x_mask(f, model);
  write_training_history(f, summary);
  if (model.ensemble_size() == 1) return;
  f.set_attr("/", "ensemble_size", static_cast<std::int64_t>(model.ensemble_size()));
  for (size_t i = 0; i < model.other_members.size(); ++i) {
    PosteriorModel& m = model.other_members[i];
    const std::string root = member_root(i + 2);
    write_member(f, m, root);
    const std::string group = root.substr(0, root.size() - 1);
    f.set_attr(group, "estimator", m.density->kind());
    f.set_attr(group, "embedding", m.embedding->kind());
    if (other_summaries.empty()) continue;
    const TrainSummary& s = other_summaries[i];
    f.set_attr(group, "epochs", static_cast<std::int64_t>(s.epochs));
    f.set_attr(group, "best_epoch", static_cast<std::int64_t>(s.best_epoch));
    f.set_attr(group, "best_validation_loss", s.best_validation_loss);
    f.set_attr(group, "stop_reason", s.message);
  }
}

void save_model(const std::string& path, PosteriorModel& model, const TrainSummary& summary,
                const io::Provenance& provenance) {
  io::write_hdf5_file(path, [&](io::H5File& f) { write_model(f, model, summary, provenance); });
}

PosteriorModel load_model(const std::string& path, TrainSummary* summary) {
  io::H5File f = io::H5File::open_read(path);
  if (!f.has_attr("/", "format") || f.get_string_attr("/", "format") != kFormat)
    throw core::Error(path + " is not an sbi model file (no format = \"" + kFormat +
                      "\" attribute); train one with `sbi train`");
  const std::int64_t version = f.get_int_attr("/", "format_version");
  if (version > kModelFormatVersion)
    throw core::Error(path + " has model format version " + std::to_string(version) +
                      ", newer than this program reads (" + std::to_string(kModelFormatVersion) +
                      "); upgrade sbi-toolkit");
  PosteriorModel m = read_member(f, path, f.get_string_attr("/", "estimator"), f.get_string_attr("/", "embedding"), "/");
  m.x_shape = io::read_shape_attributes(f);
  if (m.x_shape.kind == core::DataShape::Kind::kVector) m.x_shape = core::DataShape::vector(m.x_dim());
  core::check(m.x_shape.flat_dim() == m.x_dim(),
              path + ": data shape attributes (" + m.x_shape.describe() +
                  ") do not match the network (corrupt model file)");
  load_x_mask(f, path, &m);
  if (f.has_attr("/", "prior")) m.prior = core::Prior::parse(f.get_string_attr("/", "prior"));
  m.parameter_names = f.get_string_list_attr("/", "parameter_names");
  m.data_names = f.get_string_list_attr("/", "data_names");
  const bool unbounded = f.has_attr("/", "theta_coordinates");
  if (unbounded) {
    const std::string coordinates = f.get_string_attr("/", "theta_coordinates");
    core::check(coordinates == "unbounded" && m.prior.has_value() && m.prior->dim() == m.theta_dim(),
                path + ": theta_coordinates = \"" + coordinates +
                    "\" needs \"unbounded\" and the prior of theta (corrupt model file)");
    m.theta_unbounding = SupportTransform(*m.prior);
  }
  if (f.has_attr("/", "target")) {
    const std::string target = f.get_string_attr("/", "target");
    core::check(target == "x" || target == "theta",
                path + ": target = \"" + target + "\" is neither theta nor x (corrupt model file)");
    m.target = target == "x" ? ModelTarget::kX : ModelTarget::kTheta;
  }
  const std::int64_t members = f.has_attr("/", "ensemble_size") ? f.get_int_attr("/", "ensemble_size") : 1;
  core::check(members >= 1 && members <= 1000, path + ": ensemble_size " + std::to_string(members) +
                                                   " is not in 1..1000 (corrupt model file)");
  for (std::int64_t k = 2; k <= members; ++k) {
    const std::string root = member_root(static_cast<size_t>(k));
    const std::string group = root.substr(0, root.size() - 1);
    core::check(f.is_group(group), path + ": " + group + " missing (an ensemble of " + std::to_string(members) +
                                       " members; corrupt model file)");
    PosteriorModel member = read_member(f, path, f.get_string_attr(group, "estimator"),
                                        f.get_string_attr(group, "embedding"), root);
    member.target = m.target;
    member.x_shape = m.x_shape;
    member.x_norm.mask = m.x_norm.mask;
    member.theta_unbounding = m.theta_unbounding;
    m.add_member(std::move(member));
  }
  if (summary != nullptr) {
    *summary = TrainSummary{};
    const std::vector<std::int64_t> epoch = f.read_int64_vector("/history/epoch");
    const Eigen::VectorXd train = f.read_vector("/history/train_loss");
    const Eigen::VectorXd val = f.read_vector("/history/validation_loss");
    const Eigen::VectorXd secs = f.read_vector("/history/seconds");
    const auto n = static_cast<Eigen::Index>(epoch.size());
    core::check(train.size() == n && val.size() == n && secs.size() == n,
                path + ": /history/epoch, train_loss, validation_loss and seconds differ in "
                       "length (corrupt model file)");
    for (size_t i = 0; i < epoch.size(); ++i)
      summary->history.push_back({static_cast<int>(epoch[i]), train[i], val[i], secs[i], {}, {}});
    summary->epochs = static_cast<int>(epoch.size());
    summary->best_epoch = static_cast<int>(f.get_int_attr("/history", "best_epoch"));
    summary->best_validation_loss = f.get_double_attr("/history", "best_validation_loss");
    summary->num_train = f.get_int_attr("/history", "num_train");
    summary->num_validation = f.get_int_attr("/history", "num_validation");
    summary->seconds = f.get_double_attr("/history", "seconds");
    if (f.has_attr("/history", "shards")) summary->shards = static_cast<int>(f.get_int_attr("/history", "shards"));
    if (f.has_attr("/history", "processes"))
      summary->processes = static_cast<int>(f.get_int_attr("/history", "processes"));
    if (f.has_attr("/history", "shuffle_chunk_rows")) {
      summary->chunked_shuffle.chunk_rows = f.get_int_attr("/history", "shuffle_chunk_rows");
      summary->chunked_shuffle.window_chunks = f.get_int_attr("/history", "shuffle_window_chunks");
      summary->streaming = f.get_string_attr("/history", "streaming");
    }
    summary->message = f.get_string_attr("/history", "stop_reason");
  }
  return m;
}

void check_model_target(const PosteriorModel& model, ModelTarget expected, const std::string& path) {
  if (model.target == expected) return;
  if (model.is_likelihood())
    throw core::Error(path + " is a likelihood model q(x | theta) (sbi train --target x), not a posterior: "
                             "draw simulations from it with sbi emulate");
  throw core::Error(path + " is a posterior model q(theta | x), not a likelihood: sbi emulate needs one "
                           "trained with sbi train --target x");
}

}  // namespace sbi
