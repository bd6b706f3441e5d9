#include "sbi/model_file.h"

#include <cmath>

#include "core/error.h"
#include "flows/factory.h"
#include "io/atomic_output.h"

namespace sbi {
namespace {

constexpr const char* kFormat = "sbi-toolkit model";

// Set data (PosteriorModel::x_layout) is recorded as root attributes set_size, set_features
// and set_masked, the same names a simulation file uses; absent for plain vectors, so files
// without them (format version 1 from before set data) load unchanged.
void write_set_layout(io::H5File& f, const SetLayout& layout) {
  if (!layout.is_set()) return;
  f.set_attr("/", "set_size", static_cast<std::int64_t>(layout.set_size));
  f.set_attr("/", "set_features", static_cast<std::int64_t>(layout.features));
  f.set_attr("/", "set_masked", static_cast<std::int64_t>(layout.masked ? 1 : 0));
}

// x_dim: the network's; the layout must fill it exactly, and values that cannot (checked
// before they become ints, whose product in SetLayout::flat_dim() could overflow) are refused.
SetLayout read_set_layout(const io::H5File& f, int x_dim) {
  SetLayout layout;
  if (!f.has_attr("/", "set_size")) return layout;
  const std::int64_t set_size = f.get_int_attr("/", "set_size");
  const std::int64_t features = f.get_int_attr("/", "set_features");
  core::check(set_size >= 1 && features >= 1 && set_size <= x_dim && features <= x_dim &&
                  set_size * features <= x_dim,
              f.path() + ": set layout attributes do not match the network (corrupt model file)");
  layout.set_size = static_cast<int>(set_size);
  layout.features = static_cast<int>(features);
  layout.masked = f.has_attr("/", "set_masked") && f.get_int_attr("/", "set_masked") != 0;
  return layout;
}

void write_hyperparameters(io::H5File& f, const std::string& group,
                           const std::map<std::string, double>& h) {
  f.create_group(group);
  for (const auto& [key, value] : h) f.set_attr(group, key, value);
}

// Hyperparameters are sizes, counts, enums and tolerances (below 2^31 in magnitude) and the
// seed (0 <= seed < 2^64); the networks convert them to int or uint64, which for a value out
// of range is undefined, so a corrupt value is refused here.
std::map<std::string, double> read_hyperparameters(const io::H5File& f, const std::string& group) {
  std::map<std::string, double> h;
  for (const std::string& key : f.list_attrs(group)) {
    const double v = f.get_double_attr(group, key);
    const bool ok = key == "seed" ? v >= 0 && v < 18446744073709551616.0
                                  : std::isfinite(v) && std::fabs(v) < 2147483648.0;
    core::check(ok, f.path() + ": hyperparameter " + key + " of " + group + " = " +
                        std::to_string(v) + " is out of range (corrupt model file)");
    h[key] = v;
  }
  return h;
}

}  // namespace

void save_model(const std::string& path, PosteriorModel& model, const TrainSummary& summary,
                const io::Provenance& provenance) {
  io::AtomicOutput out(path);
  {
    io::H5File f = io::H5File::create(out.temp_path());
    io::Provenance p = provenance;
    p.parameter_names = model.parameter_names;
    p.data_names = model.data_names;
    io::stamp_provenance(f, p);
    f.set_attr("/", "format", std::string(kFormat));
    f.set_attr("/", "format_version", kModelFormatVersion);
    f.set_attr("/", "estimator", model.density->kind());
    f.set_attr("/", "embedding", model.embedding->kind());
    if (model.prior) f.set_attr("/", "prior", model.prior->to_string());
    write_set_layout(f, model.x_layout);
    write_hyperparameters(f, "/density/hyperparameters", model.density->hyperparameters());
    write_hyperparameters(f, "/embedding/hyperparameters", model.embedding->hyperparameters());
    for (const nn::Parameter& param : model.parameters())
      f.write_matrix("/weights/" + param.name, *param.value);
    f.write_vector("/normalization/theta_mean", model.theta_norm.mean);
    f.write_vector("/normalization/theta_std", model.theta_norm.std);
    f.write_vector("/normalization/x_mean", model.x_norm.mean);
    f.write_vector("/normalization/x_std", model.x_norm.std);
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
    f.set_attr("/history", "stop_reason", stop_reason_name(summary.stop_reason));
    f.set_attr("/history", "best_epoch", static_cast<std::int64_t>(summary.best_epoch));
    f.set_attr("/history", "best_validation_loss", summary.best_validation_loss);
    f.set_attr("/history", "num_train", static_cast<std::int64_t>(summary.num_train));
    f.set_attr("/history", "num_validation", static_cast<std::int64_t>(summary.num_validation));
    f.set_attr("/history", "seconds", summary.seconds);
  }
  out.commit();
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
  PosteriorModel m;
  const auto dh = read_hyperparameters(f, "/density/hyperparameters");
  m.density = flows::make_density(f.get_string_attr("/", "estimator"), dh);
  const auto eh = read_hyperparameters(f, "/embedding/hyperparameters");
  m.embedding = nn::make_embedding(f.get_string_attr("/", "embedding"), eh, 0);
  for (const nn::Parameter& param : m.parameters()) {
    const std::string name = "/weights/" + param.name;
    core::check(f.has(name), path + ": weights '" + param.name + "' missing (corrupt model file)");
    Eigen::MatrixXd value = f.read_matrix(name);
    core::check(value.rows() == param.value->rows() && value.cols() == param.value->cols(),
                path + ": weights '" + param.name + "' have the wrong shape (corrupt model file)");
    *param.value = value;
  }
  m.theta_norm = {f.read_vector("/normalization/theta_mean"), f.read_vector("/normalization/theta_std")};
  m.x_norm = {f.read_vector("/normalization/x_mean"), f.read_vector("/normalization/x_std")};
  core::check(m.theta_norm.dim() == m.theta_dim() && m.x_norm.dim() == m.x_dim(),
              path + ": normalisation does not match the network (corrupt model file)");
  m.x_layout = read_set_layout(f, m.x_dim());
  core::check(!m.x_layout.is_set() || m.x_layout.flat_dim() == m.x_dim(),
              path + ": set layout attributes do not match the network (corrupt model file)");
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
      summary->history.push_back({static_cast<int>(epoch[i]), train[i], val[i], secs[i]});
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
