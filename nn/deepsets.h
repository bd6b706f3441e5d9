// DeepSets embedding (Zaheer et al. 2017) for data that are sets of rows, e.g. the stars of
// a galaxy, each (R, v_los):
//
//   c = ρ( pool_j φ(x_j) )      or, with set_norm,      c = ρ( pool_j φ((x_j - μ)/s), μ, ln s ),
//
// φ an MLP applied to every row, pool the mean and/or the sum over the rows present, ρ an MLP
// after pooling. Reordering the rows permutes the φ(x_j) and leaves the pooled vector, and so
// c, unchanged: permutation invariance holds by construction.
//
// Input layout (the toolkit's flat contract): one set per column of x, its rows flattened
// row by row, x = [x_1, x_2, ..., x_S] with each x_j of width W = features (+1 if masked).
// With `masked`, the last entry of each row is its presence flag m_j ∈ {0, 1}: pooling runs
// over the rows with m_j = 1 only (sets of variable size, padded to S), and padding rows
// contribute nothing whatever their values. The flag is not fed to φ.
//
// Pooling: mean = Σ m_j φ(x_j) / max(n, 1) with n = Σ m_j; sum = Σ m_j φ(x_j) / S (divided by
// the constant set size S so that it stays O(1); it carries the set size n, which mean
// pooling does not); kMeanAndSum concatenates both.
//
// φ runs on chunks of 16 sets in parallel (OpenMP), in embed() and in training; backward
// gives each chunk its own copy of φ and adds their gradients in chunk order, so the result
// is the same for any number of threads.
#pragma once

#include <string>
#include <vector>

#include "nn/embedding.h"

namespace sbi::nn {

enum class Pooling { kMean = 0, kSum = 1, kMeanAndSum = 2 };

// "mean", "sum", "mean+sum" <-> enum; parse throws core::Error on an unknown name.
Pooling parse_pooling(const std::string& name);
std::string pooling_name(Pooling pooling);
std::vector<std::string> pooling_names();  // in the order of the enum

struct DeepSetsOptions {
  int set_size = 0;        // S: rows per set
  int features = 2;        // data entries per row (fed to φ)
  bool masked = false;     // rows carry a presence flag after their features
  int hidden = 64;         // hidden width of φ and ρ
  int phi_layers = 2;      // hidden layers of φ
  int phi_dim = 64;        // output width of φ (what is pooled)
  int rho_layers = 2;      // hidden layers of ρ
  int out_dim = 20;        // the context c
  Pooling pooling = Pooling::kMean;
  Activation activation = Activation::kReLU;
  // Standardise each set by its own statistics before φ: per feature, the mean μ and std s
  // over the set's present rows; φ sees (x_j - μ) / s and ρ receives (μ, ln s) next to the
  // pooled features. The map is permutation invariant and invertible (nothing is lost), and
  // φ's inputs are O(1) for every set whatever its scale (galaxies of 2 or 100 km/s, 0.1
  // or 1 kpc), so per-star features such as (v/s_v)² at R/s_R are easy to learn.
  bool set_norm = false;

  int row_width() const { return features + (masked ? 1 : 0); }
  int in_dim() const { return set_size * row_width(); }
  bool is_valid(std::string* error) const;
};

class DeepSetsEmbedding : public Embedding {
 public:
  // Throws core::Error on invalid options. Weights drawn from `rng` (borrowed).
  DeepSetsEmbedding(const DeepSetsOptions& options, core::Rng* rng);

  std::string kind() const override { return "deepsets"; }
  int in_dim() const override { return options_.in_dim(); }
  int out_dim() const override { return options_.out_dim; }
  // set_size, features, masked, hidden, phi_layers, phi_dim, rho_layers, out_dim, pooling
  // (0 mean, 1 sum, 2 mean+sum), activation, set_norm, in_dim.
  EmbeddingHyperparameters hyperparameters() const override;
  const DeepSetsOptions& options() const { return options_; }

  Matrix embed(const Matrix& x) const override;
  const Matrix& forward(const Matrix& x) override;
  void backward(const Matrix& grad_out) override;
  Parameters parameters() override;  // "phi/..." then "rho/..."

 private:
  // Sets per chunk: φ runs chunk by chunk (OpenMP over chunks; each chunk's rows stay in
  // cache). Fixed, so results do not depend on the thread count.
  static constexpr Eigen::Index kChunkSets = 16;

  struct ChunkCache {
    Matrix phi_in;  // features x (sets in chunk * S): the rows side by side
    MlpCache phi;
    Matrix grad_h;  // dL/dφ(x_j) of the chunk
  };
  struct Cache {
    std::vector<ChunkCache> chunks;
    Matrix weights;      // S x B pooling weights m_j / max(n, 1) (mean)
    Matrix weights_sum;  // S x B, m_j / S (sum)
    Matrix centre, scale;  // features x B: each set's μ and s (set_norm)
    Matrix pooled;       // (pool_dim [+ 2 features]) x B: pooled φ [, μ, ln s]
    MlpCache rho;
    Matrix grad_pooled;
  };
  // Forward pass into `cache`; returns c (cache->rho.output).
  const Matrix& run(const Matrix& x, Cache* cache) const;
  int pool_dim() const;

  DeepSetsOptions options_;
  Mlp phi_, rho_;
  Cache cache_;                      // of the last forward()
  std::vector<Mlp> phi_replicas_;    // backward: one copy of φ per chunk, gradients summed
};

DeepSetsOptions deepsets_options_from(const EmbeddingHyperparameters& h);

}  // namespace sbi::nn
