#include "sbi/network_file_parts.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace sbi {

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

void write_weights(io::H5File& f, const nn::Parameters& params, const std::string& root) {
  for (const nn::Parameter& param : params) f.write_matrix(root + "weights/" + param.name, *param.value);
}

void read_weights(const io::H5File& f, const std::string& path, const nn::Parameters& params,
                  const std::string& root) {
  for (const nn::Parameter& param : params) {
    const std::string name = root + "weights/" + param.name;
    core::check(f.has(name), path + ": weights '" + param.name + "' missing (corrupt model file)");
    Eigen::MatrixXd value = f.read_matrix(name);
    core::check(value.rows() == param.value->rows() && value.cols() == param.value->cols(),
                path + ": weights '" + param.name + "' have the wrong shape (corrupt model file)");
    check_finite_weights(path, name, value, false);
    *param.value = value;
  }
}

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

Standardizer checked_normalization(const io::H5File& f, const std::string& path,
                                   const std::string& quantity, const std::string& root) {
  const std::string mean = root + "normalization/" + quantity + "_mean";
  const std::string std = root + "normalization/" + quantity + "_std";
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


void write_training_history(io::H5File& f, const TrainSummary& summary) {
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
  // What reproduces the run bit for bit with the same seed: the shards of each process
  // (sbi train --shards) and the processes (mpirun -np).
  f.set_attr("/history", "shards", static_cast<std::int64_t>(summary.shards));
  f.set_attr("/history", "processes", static_cast<std::int64_t>(summary.processes));
  // The order of the examples: 0 = all shuffled together, else chunks of this many rows
  // shuffled within windows of shuffle_window_chunks (out-of-core training).
  f.set_attr("/history", "shuffle_chunk_rows", static_cast<std::int64_t>(summary.chunked_shuffle.chunk_rows));
  f.set_attr("/history", "shuffle_window_chunks", static_cast<std::int64_t>(summary.chunked_shuffle.window_chunks));
  f.set_attr("/history", "streaming", summary.streaming);  // "" = trained in memory
  f.set_attr("/history", "pretrain_epochs", static_cast<std::int64_t>(summary.pretrain_epochs));
  f.set_attr("/history", "pretrain_validation_mse", summary.pretrain_validation_mse);
  f.set_attr("/history", "x_noise", summary.x_noise);  // "" = none added in training
}


}  // namespace sbi
