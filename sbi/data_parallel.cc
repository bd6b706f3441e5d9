#include "sbi/data_parallel.h"

#include <algorithm>
#include <exception>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/error.h"

namespace sbi {

int available_threads() {
#ifdef _OPENMP
  return std::max(1, omp_get_max_threads());
#else
  return 1;
#endif
}

ShardedObjective::ShardedObjective(Objective* objective, int shards, long batch_size)
    : objective_(objective) {
  core::check(batch_size >= 1, "ShardedObjective: the batch size must be >= 1");
  long count = shards > 0 ? shards : available_threads();
  count = std::max(1L, std::min(count, batch_size));
  params_.push_back(objective->parameters());
  for (int s = 1; s < count; ++s) {
    std::unique_ptr<Objective> copy = objective->replicate(s);
    if (copy == nullptr) break;  // the objective trains on one thread
    params_.push_back(copy->parameters());
    core::check(params_.back().size() == params_.front().size(),
                "ShardedObjective: a replica has other parameters than the objective");
    replicas_.push_back(std::move(copy));
  }
  if (!replicas_.empty() && static_cast<long>(params_.size()) < count) {
    replicas_.clear();  // all or none
    params_.resize(1);
  }
  shard_batches_.resize(params_.size());
  shard_terms_.resize(params_.size());
  shard_losses_.resize(params_.size());
}

void ShardedObjective::begin_epoch(int epoch) {
  for (int s = 0; s < shards(); ++s) replica(s)->begin_epoch(epoch);
}

double ShardedObjective::loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms) {
  const int num_shards = shards();
  if (num_shards == 1) return objective_->loss_and_gradient(batch, terms);
  const long n = static_cast<long>(batch.size());
  core::check(n >= num_shards, "ShardedObjective: a batch of " + std::to_string(n) +
                                   " examples cannot be split into " + std::to_string(num_shards) +
                                   " shards");
  for (int s = 0; s < num_shards; ++s)
    shard_batches_[s].assign(batch.begin() + n * s / num_shards, batch.begin() + n * (s + 1) / num_shards);
  std::vector<std::exception_ptr> failures(num_shards);
  const int threads = std::min(num_shards, available_threads());
  // Each shard touches only its replica; replica 0's weights are read, never written, here.
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
  for (int s = 0; s < num_shards; ++s) {
    try {
      if (s > 0) {
        const nn::Parameters& mine = params_[s];
        for (size_t i = 0; i < mine.size(); ++i) {
          *mine[i].value = *params_[0][i].value;
          mine[i].grad->setZero();
        }
      }
      shard_losses_[s] = replica(s)->loss_and_gradient(shard_batches_[s], &shard_terms_[s]);
    } catch (...) {
      failures[s] = std::current_exception();
    }
  }
  for (const std::exception_ptr& failure : failures)
    if (failure) std::rethrow_exception(failure);
  // The weighted sum, in shard order, into replica 0's gradients.
  std::vector<double> weight(num_shards);
  for (int s = 0; s < num_shards; ++s)
    weight[s] = static_cast<double>(shard_batches_[s].size()) / static_cast<double>(n);
  const nn::Parameters& total = params_[0];
  for (size_t i = 0; i < total.size(); ++i) {
    nn::Matrix& g = *total[i].grad;
    g *= weight[0];
    for (int s = 1; s < num_shards; ++s) g += weight[s] * *params_[s][i].grad;
  }
  double loss = 0;
  terms->assign(shard_terms_[0].size(), 0.0);
  for (int s = 0; s < num_shards; ++s) {
    core::check(shard_terms_[s].size() == terms->size(),
                "ShardedObjective: the replicas report different numbers of loss terms");
    loss += weight[s] * shard_losses_[s];
    for (size_t t = 0; t < terms->size(); ++t) (*terms)[t] += weight[s] * shard_terms_[s][t];
  }
  return loss;
}

std::vector<std::uint64_t> ShardedObjective::random_state() const {
  std::vector<std::uint64_t> all;
  for (int s = 0; s < shards(); ++s) {
    const std::vector<std::uint64_t> one = replica(s)->random_state();
    all.insert(all.end(), one.begin(), one.end());
  }
  return all;
}

void ShardedObjective::set_random_state(const std::vector<std::uint64_t>& state) {
  const size_t part = state.size() / shards();
  core::check(part * shards() == state.size(),
              "training: the checkpoint's random state (" + std::to_string(state.size()) +
                  " words) does not split into " + std::to_string(shards()) + " shards");
  for (int s = 0; s < shards(); ++s)
    replica(s)->set_random_state(
        std::vector<std::uint64_t>(state.begin() + part * s, state.begin() + part * (s + 1)));
}

}  // namespace sbi
