// Embedding networks turn an observation x into the context c that conditions a density
// model; they are trained jointly with it (NPE back-propagates d loss / d c into them).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/hyperparameters.h"
#include "nn/mlp.h"

namespace sbi::nn {

using EmbeddingHyperparameters = core::Hyperparameters;

class Embedding {
 public:
  virtual ~Embedding() = default;

  // "none", "mlp", "deepsets" (nn/deepsets.h), "cnn" (nn/cnn_embedding.h).
  virtual std::string kind() const = 0;
  virtual int in_dim() const = 0;
  virtual int out_dim() const = 0;
  virtual EmbeddingHyperparameters hyperparameters() const = 0;

  // Inference: c = embed(x). Thread-safe.
  virtual Matrix embed(const Matrix& x) const = 0;

  // Training: forward caches inside the object (one thread); backward adds parameter
  // gradients given dL/dc of the last forward.
  virtual const Matrix& forward(const Matrix& x) = 0;
  virtual void backward(const Matrix& grad_out) = 0;

  virtual Parameters parameters() = 0;

  // Numbers forward() keeps per sample for backward beyond its layers' outputs (a CNN's
  // feature maps); the trainer refuses a batch whose cache would not fit in memory.
  virtual double cached_numbers_per_sample() const { return 0; }
};

// c = x: the density model sees the (standardised) data directly.
class IdentityEmbedding : public Embedding {
 public:
  explicit IdentityEmbedding(int dim) : dim_(dim) {}
  std::string kind() const override { return "none"; }
  int in_dim() const override { return dim_; }
  int out_dim() const override { return dim_; }
  EmbeddingHyperparameters hyperparameters() const override {
    EmbeddingHyperparameters h("none");
    h.set("in_dim", dim_);
    return h;
  }
  Matrix embed(const Matrix& x) const override { return x; }
  const Matrix& forward(const Matrix& x) override { return x; }
  void backward(const Matrix&) override {}
  Parameters parameters() override { return {}; }

 private:
  int dim_;
};

// c = MLP(x).
class MlpEmbedding : public Embedding {
 public:
  MlpEmbedding(const MlpOptions& options, core::Rng* rng) : mlp_(options, rng) {}
  std::string kind() const override { return "mlp"; }
  int in_dim() const override { return mlp_.options().in; }
  int out_dim() const override { return mlp_.options().out; }
  EmbeddingHyperparameters hyperparameters() const override;
  Matrix embed(const Matrix& x) const override;
  const Matrix& forward(const Matrix& x) override { return mlp_.forward(x, &cache_); }
  void backward(const Matrix& grad_out) override { mlp_.backward(&cache_, grad_out, nullptr); }
  Parameters parameters() override { return mlp_.parameters(); }

 private:
  Mlp mlp_;
  MlpCache cache_;
};

// Builds an embedding from its kind ("none", "mlp", "deepsets", "cnn") and hyperparameters (as
// written by hyperparameters()); weights are drawn from core::Rng(seed, 7).
std::unique_ptr<Embedding> make_embedding(const std::string& kind,
                                          const EmbeddingHyperparameters& h, std::uint64_t seed);

}  // namespace sbi::nn
