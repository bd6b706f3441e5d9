#include "sbi/fit_checkpoint.h"

#include <cstdio>
#include <cstring>

#include "core/error.h"

namespace sbi {
namespace {
constexpr const char* kFormat = "sbi-toolkit checkpoint";

Eigen::MatrixXd terms_matrix(const std::vector<EpochRecord>& history, bool train, size_t num_terms) {
  Eigen::MatrixXd m(static_cast<Eigen::Index>(num_terms), static_cast<Eigen::Index>(history.size()));
  for (size_t e = 0; e < history.size(); ++e) {
    const std::vector<double>& t = train ? history[e].train_terms : history[e].validation_terms;
    core::check(t.size() == num_terms, "write_fit_checkpoint: an epoch has another number of loss terms");
    for (size_t k = 0; k < num_terms; ++k) m(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(e)) = t[k];
  }
  return m;
}
}  // namespace

void write_fit_checkpoint(io::H5File& f, const FitCheckpoint& c, const std::string& fingerprint) {
  core::check(!c.history.empty(), "write_fit_checkpoint: a checkpoint follows at least one epoch");
  const size_t num_terms = c.history.back().train_terms.size();
  f.set_attr("/", "format", std::string(kFormat));
  f.set_attr("/", "format_version", std::int64_t{1});
  f.set_attr("/", "fingerprint", fingerprint);
  f.set_attr("/", "epoch", static_cast<std::int64_t>(c.epoch));
  f.set_attr("/", "learning_rate", c.learning_rate);
  f.set_attr("/", "since_best", static_cast<std::int64_t>(c.since_best));
  f.set_attr("/", "best_epoch", static_cast<std::int64_t>(c.best_epoch));
  f.set_attr("/", "best_loss", c.best_loss);
  f.set_attr("/", "non_finite_restarts", static_cast<std::int64_t>(c.non_finite_restarts));
  f.set_attr("/", "restarts_note", c.restarts_note);
  f.set_attr("/", "seconds", c.seconds);
  f.set_attr("/", "adam_steps", static_cast<std::int64_t>(c.adam.steps));
  f.set_attr("/", "num_terms", static_cast<std::int64_t>(num_terms));
  f.set_attr("/", "shards", static_cast<std::int64_t>(c.shards));
  f.set_attr("/", "processes", static_cast<std::int64_t>(c.processes));
  f.write_vector("/weights", c.weights);
  f.write_vector("/best_weights", c.best_weights);
  f.write_vector("/adam_m", c.adam.m);
  f.write_vector("/adam_v", c.adam.v);
  if (!c.carried_state.empty()) {  // an objective that carries nothing writes none
    std::vector<std::int64_t> words(c.carried_state.size());
    std::memcpy(words.data(), c.carried_state.data(), words.size() * sizeof(std::int64_t));
    f.write_int64_vector("/carried_state", words);
  }
  Eigen::VectorXd train(c.history.size()), validation(c.history.size()), seconds(c.history.size());
  for (size_t e = 0; e < c.history.size(); ++e) {
    train[e] = c.history[e].train_loss;
    validation[e] = c.history[e].validation_loss;
    seconds[e] = c.history[e].seconds;
  }
  f.write_vector("/history/train_loss", train);
  f.write_vector("/history/validation_loss", validation);
  f.write_vector("/history/seconds", seconds);
  f.write_matrix("/history/train_terms", terms_matrix(c.history, true, num_terms));
  f.write_matrix("/history/validation_terms", terms_matrix(c.history, false, num_terms));
}

FitCheckpoint read_fit_checkpoint(const std::string& path, const std::string& fingerprint) {
  io::H5File f = io::H5File::open_read(path);
  if (!f.has_attr("/", "format") || f.get_string_attr("/", "format") != kFormat)
    throw core::Error(path + " is not an sbi training checkpoint");
  core::check(f.get_int_attr("/", "format_version") <= 1, path + ": a checkpoint of a newer format");
  core::check(f.get_string_attr("/", "fingerprint") == fingerprint,
              path + " is the checkpoint of another training run (other data, model or training "
                     "settings; only --max-epochs may change): train without --resume to start "
                     "afresh, or resume with the settings of that run");
  FitCheckpoint c;
  c.epoch = static_cast<int>(f.get_int_attr("/", "epoch"));
  c.learning_rate = f.get_double_attr("/", "learning_rate");
  c.since_best = static_cast<int>(f.get_int_attr("/", "since_best"));
  c.best_epoch = static_cast<int>(f.get_int_attr("/", "best_epoch"));
  c.best_loss = f.get_double_attr("/", "best_loss");
  c.non_finite_restarts = static_cast<int>(f.get_int_attr("/", "non_finite_restarts"));
  c.restarts_note = f.get_string_attr("/", "restarts_note");
  c.seconds = f.get_double_attr("/", "seconds");
  c.adam.steps = f.get_int_attr("/", "adam_steps");
  // Checkpoints from before data-parallel training have no shards: they trained on one.
  const std::int64_t shards = f.has_attr("/", "shards") ? f.get_int_attr("/", "shards") : 1;
  core::check(shards >= 1 && shards <= 4096, path + ": shards must be in [1, 4096] (damaged checkpoint)");
  c.shards = static_cast<int>(shards);
  const std::int64_t processes = f.has_attr("/", "processes") ? f.get_int_attr("/", "processes") : 1;
  core::check(processes >= 1 && processes <= (1 << 24), path + ": processes must be >= 1 (damaged checkpoint)");
  c.processes = static_cast<int>(processes);
  c.weights = f.read_vector("/weights");
  c.best_weights = f.read_vector("/best_weights");
  c.adam.m = f.read_vector("/adam_m");
  c.adam.v = f.read_vector("/adam_v");
  const std::vector<std::int64_t> words =
      f.is_dataset("/carried_state") ? f.read_int64_vector("/carried_state")
      : f.is_dataset("/random_state") ? f.read_int64_vector("/random_state")  // before 2026-12-03
                                      : std::vector<std::int64_t>();
  // The words' bit patterns (an empty state, as the coupling flows carry, copies nothing:
  // memcpy must not see the null pointers of empty vectors).
  c.carried_state.resize(words.size());
  if (!words.empty()) std::memcpy(c.carried_state.data(), words.data(), words.size() * sizeof(std::int64_t));
  const std::int64_t terms_attr = f.get_int_attr("/", "num_terms");
  core::check(terms_attr >= 1 && terms_attr <= 64, path + ": num_terms must be in [1, 64] (damaged checkpoint)");
  const size_t num_terms = static_cast<size_t>(terms_attr);
  const Eigen::VectorXd train = f.read_vector("/history/train_loss");
  const Eigen::VectorXd validation = f.read_vector("/history/validation_loss");
  const Eigen::VectorXd seconds = f.read_vector("/history/seconds");
  const Eigen::MatrixXd train_terms = f.read_matrix("/history/train_terms", static_cast<long>(num_terms));
  const Eigen::MatrixXd validation_terms = f.read_matrix("/history/validation_terms", static_cast<long>(num_terms));
  core::check(train.size() == c.epoch && validation.size() == c.epoch && seconds.size() == c.epoch &&
                  train_terms.cols() == c.epoch && validation_terms.cols() == c.epoch,
              path + ": the history does not have one entry per epoch (damaged checkpoint)");
  for (int e = 0; e < c.epoch; ++e) {
    EpochRecord r;
    r.epoch = e + 1;
    r.train_loss = train[e];
    r.validation_loss = validation[e];
    r.seconds = seconds[e];
    for (size_t k = 0; k < num_terms; ++k) {
      r.train_terms.push_back(train_terms(static_cast<Eigen::Index>(k), e));
      r.validation_terms.push_back(validation_terms(static_cast<Eigen::Index>(k), e));
    }
    c.history.push_back(r);
  }
  core::check(c.weights.allFinite() && c.best_weights.allFinite() && c.adam.m.allFinite() && c.adam.v.allFinite(),
              path + ": a NaN or infinite weight or moment (damaged checkpoint)");
  return c;
}

}  // namespace sbi
