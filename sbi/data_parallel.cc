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

ShardedObjective::ShardedObjective(Objective* objective, int shards, long batch_size, int first_replica)
    : objective_(objective), target_(objective->parameters()) {
  core::check(batch_size >= 1, "ShardedObjective: the batch size must be >= 1");
  core::check(first_replica >= 0, "ShardedObjective: first_replica must be >= 0");
  long count = shards > 0 ? shards : available_threads();
  count = std::max(1L, std::min(count, batch_size));
  for (int s = 0; s < count; ++s) {
    if (first_replica == 0 && s == 0) {
      workers_.push_back(objective);
      continue;
    }
    std::unique_ptr<Objective> copy = objective->replicate(first_replica + s);
    if (copy == nullptr) break;  // the objective cannot replicate
    core::check(copy->parameters().size() == target_.size(),
                "ShardedObjective: a replica has other parameters than the objective");
    workers_.push_back(copy.get());
    replicas_.push_back(std::move(copy));
  }
  if (static_cast<long>(workers_.size()) < count) {  // all or none: then the objective alone
    replicas_.clear();
    workers_.assign(1, objective);
  }
  for (Objective* worker : workers_) params_.push_back(worker->parameters());
  slices_ = nn::slice_parameters(target_);
  shard_batches_.resize(workers_.size());
  shard_terms_.resize(workers_.size());
  shard_losses_.resize(workers_.size());
}

void ShardedObjective::begin_epoch(int epoch) {
  for (Objective* worker : workers_) worker->begin_epoch(epoch);
}

double ShardedObjective::loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms) {
  const int num_shards = shards();
  if (num_shards == 1 && is_objective(0)) return objective_->loss_and_gradient(batch, terms);
  const long n = static_cast<long>(batch.size());
  core::check(n >= num_shards, "ShardedObjective: a batch of " + std::to_string(n) +
                                   " examples cannot be split into " + std::to_string(num_shards) +
                                   " shards");
  for (int s = 0; s < num_shards; ++s)
    shard_batches_[s].assign(batch.begin() + n * s / num_shards, batch.begin() + n * (s + 1) / num_shards);
  std::vector<std::exception_ptr> failures(num_shards);
  const int threads = std::min(num_shards, available_threads());
  // Each shard touches only its worker; the objective's weights are read, never written, here.
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
  for (int s = 0; s < num_shards; ++s) {
    try {
      if (!is_objective(s)) {
        const nn::Parameters& mine = params_[s];
        for (size_t i = 0; i < mine.size(); ++i) {
          *mine[i].value = *target_[i].value;
          mine[i].grad->setZero();
        }
      }
      shard_losses_[s] = workers_[s]->loss_and_gradient(shard_batches_[s], &shard_terms_[s]);
    } catch (...) {
      failures[s] = std::current_exception();
    }
  }
  for (const std::exception_ptr& failure : failures)
    if (failure) std::rethrow_exception(failure);
  // The weighted sum, in shard order, into the objective's gradients: each product rounded,
  // then added (never fused: this file is compiled with -ffp-contract=off), the arithmetic of
  // the sum across processes, so that K processes of one shard give the bits of one of K.
  std::vector<double> weight(num_shards);
  for (int s = 0; s < num_shards; ++s)
    weight[s] = static_cast<double>(shard_batches_[s].size()) / static_cast<double>(n);
  // Element by element, slices on threads: the same bits for any number of threads.
  const long num_slices = static_cast<long>(slices_.size());
  const int sum_threads = nn::elementwise_threads(nn::count_scalars(target_));
#pragma omp parallel for num_threads(sum_threads) schedule(static) if (sum_threads > 1)
  for (long k = 0; k < num_slices; ++k) {
    const nn::ParameterSlice& slice = slices_[k];
    double* g = target_[slice.index].grad->data();
    for (int s = 0; s < num_shards; ++s) {
      const double* shard = params_[s][slice.index].grad->data();
      const double w = weight[s];
      if (s == 0)
        for (long j = slice.begin; j < slice.end; ++j) g[j] = w * shard[j];
      else
        for (long j = slice.begin; j < slice.end; ++j) g[j] += w * shard[j];
    }
  }
  double loss = 0;
  terms->assign(shard_terms_[0].size(), 0.0);
  for (int s = 0; s < num_shards; ++s) {
    core::check(shard_terms_[s].size() == terms->size(),
                "ShardedObjective: the replicas report different numbers of loss terms");
    loss = s == 0 ? weight[s] * shard_losses_[s] : loss + weight[s] * shard_losses_[s];
    for (size_t t = 0; t < terms->size(); ++t)
      (*terms)[t] = s == 0 ? weight[s] * shard_terms_[s][t] : (*terms)[t] + weight[s] * shard_terms_[s][t];
  }
  return loss;
}

std::vector<std::uint64_t> ShardedObjective::carried_state() const {
  std::vector<std::uint64_t> all;
  for (const Objective* worker : workers_) {
    const std::vector<std::uint64_t> one = worker->carried_state();
    all.insert(all.end(), one.begin(), one.end());
  }
  return all;
}

void ShardedObjective::set_carried_state(const std::vector<std::uint64_t>& state) {
  const size_t part = state.size() / shards();
  core::check(part * shards() == state.size(),
              "training: the checkpoint's random state (" + std::to_string(state.size()) +
                  " words) does not split into " + std::to_string(shards()) + " shards");
  for (int s = 0; s < shards(); ++s)
    workers_[s]->set_carried_state(
        std::vector<std::uint64_t>(state.begin() + part * s, state.begin() + part * (s + 1)));
}

}  // namespace sbi
