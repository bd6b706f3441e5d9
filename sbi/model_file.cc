#include "sbi/model_file.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "flows/factory.h"
#include "io/data_shape_attributes.h"
#include "io/output_files.h"
#include "sbi/x_mask.h"

namespace sbi {
namespace {

constexpr const char* kFormat = "sbi-toolkit model";

// Each hyperparameter is an attribute of its own type: int64, uint64 (seeds), float64, or
// a string (enums by name). Format version 1 wrote every one as float64.
void write_hyperparameters(io::H5File& f, const std::string& group, const core::Hyperparameters& h) {
  f.create_group(group);
  for (const auto& [key, value] : h.values()) {
    if (const auto* i = std::get_if<std::int64_t>(&value)) f.set_attr(group, key, *i);
    else if (const auto* u = std::get_if<std::uint64_t>(&value)) f.set_uint64_attr(group, key, *u);
    else if (const auto* d = std::get_if<double>(&value)) f.set_attr(group, key, *d);
    else f.set_attr(group, key, std::get<std::string>(value));
  }
}

core::Hyperparameters read_hyperparameters(const io::H5File& f, const std::string& group,
                                           const std::string& owner) {
  core::Hyperparameters h(owner);
  for (const std::string& key : f.list_attrs(group)) {
    const std::string type = f.attr_dtype(group, key);
    if (type == "string") h.set_value(key, f.get_string_attr(group, key));
    else if (type == "uint64") h.set_value(key, f.get_uint64_attr(group, key));
    else if (type.rfind("int", 0) == 0 || type.rfind("uint", 0) == 0) h.set_value(key, f.get_int_attr(group, key));
    else h.set_value(key, f.get_double_attr(group, key));
  }
  return h;
}

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

}  // namespace

void write_model(io::H5File& f, PosteriorModel& model, const TrainSummary& summary,
                 const io::Provenance& provenance) {
  io::Provenance p = provenance;
  p.parameter_names = model.parameter_names;
  p.data_names = model.data_names;
  io::stamp_provenance(f, p);
  f.set_attr("/", "format", std::string(kFormat));
  const std::int64_t version = model.x_norm.has_mask() ? kModelFormatVersion : std::int64_t{2};
  f.set_attr("/", "format_version", version);
  f.set_attr("/", "estimator", model.density->kind());
  f.set_attr("/", "embedding", model.embedding->kind());
  if (model.prior) f.set_attr("/", "prior", model.prior->to_string());
  io::write_shape_attributes(f, model.x_shape);  // set or image; nothing for vectors
  write_hyperparameters(f, "/density/hyperparameters", model.density->hyperparameters());
  write_hyperparameters(f, "/embedding/hyperparameters", model.embedding->hyperparameters());
  for (const nn::Parameter& param : model.parameters())
    f.write_matrix("/weights/" + param.name, *param.value);
  f.write_vector("/normalization/theta_mean", model.theta_norm.mean);
  f.write_vector("/normalization/theta_std", model.theta_norm.std);
  f.write_vector("/normalization/x_mean", model.x_norm.mean);
  f.write_vector("/normalization/x_std", model.x_norm.std);
  if (model.x_norm.has_mask()) write_x_mask(f, model);
  const size_t n = summary.history.size();
  std::vector<std::int64_t> epoch(n);
  Eigen::VectorXd train(n), val(n), secs(n);
  for (size_t i = 0; i < n; ++i) {
    epoch[i] = summary.history[i].epoch;
    train[i] = summary.history[i].train_loss;
    val[i] = summary.history[i].validation_loss;
    secs[i] = summary.history[i].seconds;
  }
  f.write_int64_vector("/history/epoch", epoch);
  f.write_vector("/history/train_loss", train);
  f.write_vector("/history/validation_loss", val);
  f.write_vector("/history/seconds", secs);
  // Every term of the objective (NPE: nll), per epoch, training and validation.
  f.set_attr("/history", "term_names", summary.term_names);
  for (size_t t = 0; t < summary.term_names.size(); ++t) {
    Eigen::VectorXd train_term(n), val_term(n);
    for (size_t i = 0; i < n; ++i) {
      train_term[i] = summary.history[i].train_terms.at(t);
      val_term[i] = summary.history[i].validation_terms.at(t);
    }
    f.write_vector("/history/train_" + summary.term_names[t], train_term);
    f.write_vector("/history/validation_" + summary.term_names[t], val_term);
  }
  f.set_attr("/history", "stop_reason", stop_reason_name(summary.stop_reason));
  f.set_attr("/history", "best_epoch", static_cast<std::int64_t>(summary.best_epoch));
  f.set_attr("/history", "best_validation_loss", summary.best_validation_loss);
  f.set_attr("/history", "num_train", static_cast<std::int64_t>(summary.num_train));
  f.set_attr("/history", "num_validation", static_cast<std::int64_t>(summary.num_validation));
  f.set_attr("/history", "seconds", summary.seconds);
  f.set_attr("/history", "pretrain_epochs", static_cast<std::int64_t>(summary.pretrain_epochs));
  f.set_attr("/history", "pretrain_validation_mse", summary.pretrain_validation_mse);
  f.set_attr("/history", "x_noise", summary.x_noise);  // "" = none added in training
}

void save_model(const std::string& path, PosteriorModel& model, const TrainSummary& summary,
                const io::Provenance& provenance) {
  io::write_hdf5_file(path, [&](io::H5File& f) { write_model(f, model, summary, provenance); });
}

namespace {

// Refuses a NaN or Inf in what load_model read: weights (D x N in memory, named in the file's
// (N, D) order: row = memory column) or a normalisation vector (by index).
void check_finite_weights(const std::string& path, const std::string& dataset,
                          const Eigen::MatrixXd& value, bool is_vector) {
  for (Eigen::Index c = 0; c < value.cols(); ++c)
    for (Eigen::Index r = 0; r < value.rows(); ++r) {
      if (std::isfinite(value(r, c))) continue;
      const std::string where =
          is_vector ? "index " + std::to_string(r + c * value.rows())
                    : "row " + std::to_string(c) + ", column " + std::to_string(r);
      throw core::Error(path + ": " + dataset + " has " +
                        (std::isnan(value(r, c)) ? "NaN" : "Inf") + " at " + where +
                        ": the file is damaged or training diverged; retrain");
    }
}

// Normalisation read from a file: finite, and standard deviations > 0.
Standardizer checked_normalization(const io::H5File& f, const std::string& path,
                                   const std::string& quantity) {
  const std::string mean = "/normalization/" + quantity + "_mean";
  const std::string std = "/normalization/" + quantity + "_std";
  Standardizer s{f.read_vector(mean), f.read_vector(std), {}};
  check_finite_weights(path, mean, s.mean, true);
  check_finite_weights(path, std, s.std, true);
  for (Eigen::Index i = 0; i < s.std.size(); ++i)
    if (!(s.std[i] > 0)) {
      char value[32];
      std::snprintf(value, sizeof value, "%g", s.std[i]);
      throw core::Error(path + ": " + std + " has " + value + " at index " + std::to_string(i) +
                        " (a standard deviation must be > 0): the file is damaged; retrain");
    }
  return s;
}

}  // namespace

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
  PosteriorModel m;
  const std::string estimator = f.get_string_attr("/", "estimator");
  const std::string embedding = f.get_string_attr("/", "embedding");
  m.density = flows::make_density(
      estimator, read_hyperparameters(f, "/density/hyperparameters", path + ": " + estimator));
  m.embedding = nn::make_embedding(
      embedding,
      read_hyperparameters(f, "/embedding/hyperparameters", path + ": " + embedding + " embedding"),
      0);
  for (const nn::Parameter& param : m.parameters()) {
    const std::string name = "/weights/" + param.name;
    core::check(f.has(name), path + ": weights '" + param.name + "' missing (corrupt model file)");
    Eigen::MatrixXd value = f.read_matrix(name);
    core::check(value.rows() == param.value->rows() && value.cols() == param.value->cols(),
                path + ": weights '" + param.name + "' have the wrong shape (corrupt model file)");
    check_finite_weights(path, name, value, false);
    *param.value = value;
  }
  m.theta_norm = checked_normalization(f, path, "theta");
  m.x_norm = checked_normalization(f, path, "x");
  core::check(m.theta_norm.dim() == m.theta_dim() && m.x_norm.dim() == m.x_dim(),
              path + ": normalisation does not match the network (corrupt model file)");
  m.x_shape = io::read_shape_attributes(f);
  if (m.x_shape.kind == core::DataShape::Kind::kVector) m.x_shape = core::DataShape::vector(m.x_dim());
  core::check(m.x_shape.flat_dim() == m.x_dim(),
              path + ": data shape attributes (" + m.x_shape.describe() +
                  ") do not match the network (corrupt model file)");
  load_x_mask(f, path, &m);
  if (f.has_attr("/", "prior")) m.prior = core::Prior::parse(f.get_string_attr("/", "prior"));
  m.parameter_names = f.get_string_list_attr("/", "parameter_names");
  m.data_names = f.get_string_list_attr("/", "data_names");
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
    summary->message = f.get_string_attr("/history", "stop_reason");
  }
  return m;
}

}  // namespace sbi
