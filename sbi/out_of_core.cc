#include "sbi/out_of_core.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <set>
#include <utility>

#include "core/error.h"
#include "core/memory_budget.h"
#include "core/progress.h"
#include "core/rng.h"
#include "sbi/npe_objective.h"

namespace sbi {
namespace {

constexpr long kDefaultChunkRows = 4096;
constexpr long kMaxStatisticsRows = 100000;

// Reads the file rows `wanted` (increasing) by range reads of at most `span` rows each, into
// one column per wanted row.
void read_selected(const ReadRows& read, const std::vector<long>& wanted, long span, Eigen::MatrixXd* theta,
                   Eigen::MatrixXd* x) {
  const long n = static_cast<long>(wanted.size());
  Eigen::MatrixXd range_theta, range_x;
  long filled = 0;
  for (long i = 0; i < n;) {
    const long first = wanted[i];
    long j = i;
    while (j < n && wanted[j] < first + span) ++j;
    read(first, wanted[j - 1] - first + 1, &range_theta, &range_x);
    if (filled == 0) {
      theta->resize(range_theta.rows(), n);
      x->resize(range_x.rows(), n);
    }
    for (long k = i; k < j; ++k, ++filled) {
      theta->col(filled) = range_theta.col(wanted[k] - first);
      x->col(filled) = range_x.col(wanted[k] - first);
    }
    i = j;
  }
}

// k distinct integers of [0, n), increasing (Floyd's algorithm: memory for k, not n).
std::vector<long> sample_without_replacement(long n, long k, core::Rng* rng) {
  std::set<long> chosen;
  for (long j = n - k; j < n; ++j) {
    const long t = static_cast<long>(rng->below(static_cast<std::uint64_t>(j + 1)));
    if (!chosen.insert(t).second) chosen.insert(j);
  }
  return {chosen.begin(), chosen.end()};
}

// The file rows of the given ranks (increasing) among the rows not excluded.
std::vector<long> rows_of_ranks(const std::vector<bool>& excluded, const std::vector<long>& ranks) {
  std::vector<long> rows;
  rows.reserve(ranks.size());
  long rank = 0;
  size_t next = 0;
  for (long r = 0; r < static_cast<long>(excluded.size()) && next < ranks.size(); ++r) {
    if (excluded[r]) continue;
    if (rank++ == ranks[next]) {
      rows.push_back(r);
      ++next;
    }
  }
  return rows;
}

// For a likelihood x is the density's variable and θ the condition.
void to_target_condition(const PosteriorModel& model, Eigen::MatrixXd* theta, Eigen::MatrixXd* x) {
  if (model.is_likelihood()) std::swap(*theta, *x);
}

}  // namespace

std::string OutOfCorePlan::describe(double row_bytes) const {
  char line[200];
  std::snprintf(line, sizeof line, "chunks of %ld rows, shuffled within windows of %ld chunks, at most %ld held (%s)",
                chunk_rows, window_chunks, held_chunks,
                core::format_bytes(static_cast<double>(held_chunks * chunk_rows) * row_bytes).c_str());
  return line;
}

// Bytes of the row index: a bit a row and the first row of every chunk.
double index_bytes(long rows, long chunk_rows) {
  return static_cast<double>(rows) / 8 + 8.0 * static_cast<double>(rows / chunk_rows + 2);
}

OutOfCorePlan plan_out_of_core(long rows, double row_bytes, double budget, long file_chunk_rows, long batch_size) {
  core::check(rows >= 3 && row_bytes > 0 && batch_size >= 1, "plan_out_of_core: need rows >= 3, row_bytes > 0, batch >= 1");
  // The smallest budget that works: two windows of one batch each (chunks of one row at worst),
  // as much again for the validation and the standardisation sample, and the index.
  const double smallest_window = 2.0 * static_cast<double>(batch_size) + 1;
  const double needed = index_bytes(rows, 1) + 2.0 * smallest_window * row_bytes;
  const std::string too_small = "--memory-budget " + core::format_bytes(budget) + " cannot hold two windows of a batch of " +
                                std::to_string(batch_size) + " rows of " + core::format_bytes(row_bytes) +
                                " besides the index of " + std::to_string(rows) + " rows; give at least " +
                                core::format_bytes(needed) +
                                " (better 10 times more: larger windows shuffle better) or a smaller --batch-size";
  OutOfCorePlan plan;
  plan.chunk_rows = file_chunk_rows > 0 ? file_chunk_rows : kDefaultChunkRows;
  for (int attempt = 0; attempt < 2; ++attempt) {  // the second with chunks of at most a ninth
    const double data_budget = budget - index_bytes(rows, plan.chunk_rows);
    const long held_rows = data_budget > 0 ? static_cast<long>(0.5 * data_budget / row_bytes) : 0;
    // At least 4 chunks a window: 2 windows of 4 and one more held.
    plan.chunk_rows = std::max(1L, std::min(plan.chunk_rows, held_rows / 9));
    plan.window_chunks = std::max(1L, (held_rows - plan.chunk_rows) / (2 * plan.chunk_rows));
    plan.held_chunks = 2 * plan.window_chunks + 1;
    plan.max_validation = static_cast<long>(0.2 * data_budget / row_bytes);
    plan.statistics_rows = std::min({rows, kMaxStatisticsRows, plan.max_validation});
    if (budget - index_bytes(rows, plan.chunk_rows) >= data_budget) break;  // the index did not grow
  }
  core::check(plan.window_chunks * plan.chunk_rows >= batch_size && plan.held_chunks * plan.chunk_rows >= smallest_window &&
                  plan.max_validation >= 1 && plan.statistics_rows >= 2,
              too_small);
  return plan;
}

ReadRows reader_of(const SimulationRows& file) {
  return [&file](long first, long count, Eigen::MatrixXd* theta, Eigen::MatrixXd* x) {
    file.read(first, count, theta, x);
  };
}

std::string OutOfCoreReport::describe() const {
  char line[400];
  const double seconds = streaming.seconds_reading;
  std::snprintf(line, sizeof line,
                "streamed %ld training and %ld held-out of %ld rows (%ld dropped for NaN/Inf); standardised on a "
                "sample of %ld; %ld chunk reads (%.3g rows, %.1f s reading) after %.1f s of passes before "
                "training; %.0f examples/s",
                train, validation, rows, dropped_nonfinite, statistics_rows, streaming.chunk_reads,
                streaming.rows_read, seconds, scan_seconds, examples_per_second);
  return line;
}

void train_out_of_core(const TrainOptions& options, const OutOfCorePlan& plan, long rows, const ReadRows& read,
                       NonFinitePolicy policy, PosteriorModel* model, TrainSummary* summary,
                       OutOfCoreReport* report) {
  *summary = TrainSummary{};
  *report = OutOfCoreReport{};
  core::check_valid(options, "train");
  core::check(plan.chunk_rows >= 1 && plan.window_chunks >= 1 && plan.held_chunks >= 2 * plan.window_chunks &&
                  plan.max_validation >= 1 && plan.statistics_rows >= 2,
              "train: an inconsistent out-of-core plan");
  core::check(options.pretrain_epochs == 0 || model->embedding->parameters().empty(),
              "train: embedding pretraining (--pretrain-epochs) needs the data in memory; leave it out with "
              "--memory-budget");
  core::check(options.symmetries.empty(),
              "train: symmetry augmentation needs the data in memory; leave it out with --memory-budget");
  core::check(options.balance == 0,
              "train: balanced NPE (--balance) needs the data in memory; leave it out with --memory-budget");
  check_training_noise(options, *model);
  core::Stopwatch clock;
  report->rows = rows;

  // Pass 1: the rows whose x is finite; the others are excluded (one bit a row).
  std::vector<bool> excluded(static_cast<size_t>(rows), false);
  const long scan_rows = plan.chunk_rows * plan.window_chunks;
  Eigen::MatrixXd theta, x;
  for (long first = 0; first < rows; first += scan_rows) {
    const long count = std::min(scan_rows, rows - first);
    read(first, count, &theta, &x);
    core::check(theta.rows() == (model->is_likelihood() ? model->x_dim() : model->theta_dim()) &&
                    x.rows() == (model->is_likelihood() ? model->theta_dim() : model->x_dim()),
                "train: the data's dimensions do not match the model");
    for (long j = 0; j < count; ++j) {
      if (x.col(j).allFinite()) continue;
      if (policy == NonFinitePolicy::kError)
        throw core::Error("train: /x row " + std::to_string(first + j) +
                          " has NaN or Inf (use --nonfinite drop to skip such rows)");
      excluded[first + j] = true;
      ++report->dropped_nonfinite;
    }
  }
  const long usable = rows - report->dropped_nonfinite;

  // The validation split, train()'s fraction capped by the plan, drawn without a list of every
  // row; then the sample of training examples the standardisation is fitted on.
  const long n_val = std::min(std::max(1L, std::lround(options.validation_fraction * static_cast<double>(usable))),
                              plan.max_validation);
  core::check(usable - n_val >= 2, "train: need at least 3 simulations, got " + std::to_string(usable));
  core::Rng split_rng(options.seed, 0x5417);
  const std::vector<long> validation_rows =
      rows_of_ranks(excluded, sample_without_replacement(usable, n_val, &split_rng));
  for (long r : validation_rows) excluded[r] = true;
  const long n_train = usable - n_val;
  const long n_sample = std::min(n_train, plan.statistics_rows);
  core::Rng sample_rng(options.seed, 0x57A7);
  {
    // Pass 2: the standardisation sample, then the validation examples.
    const std::vector<long> sample_rows =
        rows_of_ranks(excluded, sample_without_replacement(n_train, n_sample, &sample_rng));
    Eigen::MatrixXd sample_theta, sample_x;
    read_selected(read, sample_rows, scan_rows, &sample_theta, &sample_x);
    to_target_condition(*model, &sample_theta, &sample_x);
    fit_standardizers(options, sample_theta, sample_x, model);
  }
  Eigen::MatrixXd theta_v, x_v;
  read_selected(read, validation_rows, scan_rows, &theta_v, &x_v);
  to_target_condition(*model, &theta_v, &x_v);
  add_validation_noise(options, &x_v);
  theta_v = model->density_coordinates(theta_v);
  x_v = model->x_norm.apply(x_v);
  report->train = n_train;
  report->validation = n_val;
  report->statistics_rows = n_sample;
  report->scan_seconds = clock.seconds();

  const PosteriorModel* prepared = model;
  auto examples = std::make_shared<StreamedExamples>(
      read,
      [prepared](Eigen::MatrixXd* theta_chunk, Eigen::MatrixXd* x_chunk) {
        to_target_condition(*prepared, theta_chunk, x_chunk);
        *theta_chunk = prepared->density_coordinates(*theta_chunk);
        *x_chunk = prepared->x_norm.apply(*x_chunk);
      },
      std::move(excluded), plan.chunk_rows, plan.held_chunks);
  const Eigen::VectorXd noise = standardised_noise(options, *model);
  NpeObjective objective(model, examples, std::move(theta_v), std::move(x_v),
                         options.x_noise.enabled() ? BatchNoise(noise, options.seed) : BatchNoise());
  TrainOptions streamed = options;
  streamed.chunked_shuffle = plan.shuffle();
  summary->num_validation = n_val;
  core::Stopwatch training_clock;
  fit(streamed, &objective, summary);
  const double seconds = training_clock.seconds();
  const long epochs_run = summary->epochs - (options.resume != nullptr ? options.resume->epoch : 0);
  const long batch = std::min<long>(options.batch_size, n_train);
  report->examples_per_second =
      seconds > 0 ? static_cast<double>(epochs_run) * static_cast<double>((n_train / batch) * batch) / seconds : 0;
  report->streaming = examples->counters();
  summary->x_noise = options.x_noise.description;
  summary->streaming = report->describe();
  if (options.resume != nullptr)
    summary->message += "; resumed after epoch " + std::to_string(options.resume->epoch);
}

}  // namespace sbi
