#include "nn/deepsets.h"

#include "core/enum_names.h"
#include "core/error.h"

namespace sbi::nn {

namespace {
const core::EnumNames<Pooling>& poolings() {
  static const core::EnumNames<Pooling> names("pooling", {"mean", "sum", "mean+sum"});
  return names;
}
}  // namespace

Pooling parse_pooling(const std::string& name) { return poolings().parse(name); }
std::string pooling_name(Pooling value) { return poolings().name(value); }
std::vector<std::string> pooling_names() { return poolings().names(); }

bool DeepSetsOptions::is_valid(std::string* error) const {
  auto fail = [&](const char* name, int value, const char* rule) {
    if (error) *error = std::string("DeepSetsOptions::") + name + " = " + std::to_string(value) + " " + rule;
    return false;
  };
  if (set_size < 1) return fail("set_size", set_size, "must be >= 1");
  if (features < 1) return fail("features", features, "must be >= 1");
  if (hidden < 1) return fail("hidden", hidden, "must be >= 1");
  if (phi_layers < 0) return fail("phi_layers", phi_layers, "must be >= 0");
  if (phi_dim < 1) return fail("phi_dim", phi_dim, "must be >= 1");
  if (rho_layers < 0) return fail("rho_layers", rho_layers, "must be >= 0");
  if (out_dim < 1) return fail("out_dim", out_dim, "must be >= 1");
  const int p = static_cast<int>(pooling);
  if (p < 0 || p > 2) return fail("pooling", p, "must be 0 (mean), 1 (sum) or 2 (mean+sum)");
  return true;
}

namespace {

const DeepSetsOptions& validated(const DeepSetsOptions& options) {
  std::string error;
  if (!options.is_valid(&error)) throw core::Error("DeepSetsEmbedding: " + error);
  return options;
}

MlpOptions mlp_options(int in, int out, int hidden, int layers, Activation activation) {
  MlpOptions o;
  o.in = in;
  o.out = out;
  o.hidden = hidden;
  o.num_layers = layers;
  o.activation = activation;
  return o;
}

}  // namespace

DeepSetsEmbedding::DeepSetsEmbedding(const DeepSetsOptions& options, core::Rng* rng)
    : options_(validated(options)),
      phi_(mlp_options(options.features, options.phi_dim, options.hidden, options.phi_layers,
                       options.activation),
           rng),
      rho_(mlp_options((options.pooling == Pooling::kMeanAndSum ? 2 * options.phi_dim
                                                                 : options.phi_dim) +
                           (options.set_norm ? 2 * options.features : 0),
                       options.out_dim, options.hidden, options.rho_layers, options.activation),
           rng) {}

int DeepSetsEmbedding::pool_dim() const {
  return options_.pooling == Pooling::kMeanAndSum ? 2 * options_.phi_dim : options_.phi_dim;
}

EmbeddingHyperparameters DeepSetsEmbedding::hyperparameters() const {
  const DeepSetsOptions& o = options_;
  EmbeddingHyperparameters h("deepsets embedding");
  h.set("set_size", o.set_size);
  h.set("features", o.features);
  h.set("masked", o.masked);
  h.set("hidden", o.hidden);
  h.set("phi_layers", o.phi_layers);
  h.set("phi_dim", o.phi_dim);
  h.set("rho_layers", o.rho_layers);
  h.set("out_dim", o.out_dim);
  h.set("pooling", pooling_name(o.pooling));
  h.set("activation", activation_name(o.activation));
  h.set("set_norm", o.set_norm);
  h.set("in_dim", o.in_dim());
  return h;
}

const Matrix& DeepSetsEmbedding::run(const Matrix& x, Cache* c) const {
  core::check(x.rows() == in_dim(), "DeepSetsEmbedding: x has " + std::to_string(x.rows()) +
                                        " rows, expected " + std::to_string(in_dim()) + " (" +
                                        std::to_string(options_.set_size) + " rows of " +
                                        std::to_string(options_.row_width()) + ")");
  const int s = options_.set_size, w = options_.row_width(), f = options_.features;
  const Eigen::Index b = x.cols();
  // Column k*S + j of `rows` is row j of set k (x is column-major, one set per column).
  const Eigen::Map<const Matrix> rows(x.data(), w, s * b);
  c->weights.resize(s, b);
  c->weights_sum.resize(s, b);
  for (Eigen::Index k = 0; k < b; ++k) {
    double n = s;
    if (options_.masked) {
      for (int j = 0; j < s; ++j) c->weights(j, k) = rows(f, k * s + j);
      n = c->weights.col(k).sum();
    } else {
      c->weights.col(k).setOnes();
    }
    c->weights_sum.col(k) = c->weights.col(k) / s;
    c->weights.col(k) /= std::max(n, 1.0);
  }
  const int p = options_.phi_dim, q = pool_dim();
  c->pooled.resize(q + (options_.set_norm ? 2 * f : 0), b);
  if (options_.set_norm) {
    // Weighted by the mean-pooling weights m_j / max(n, 1): statistics of the present rows.
    // kScaleFloor keeps ln s finite for a set of one row (or identical rows).
    constexpr double kScaleFloor = 1e-6;
    c->centre.resize(f, b);
    c->scale.resize(f, b);
    for (Eigen::Index k = 0; k < b; ++k) {
      const auto set_rows = rows.block(0, k * s, f, s);
      c->centre.col(k).noalias() = set_rows * c->weights.col(k);
      const Eigen::VectorXd second = set_rows.array().square().matrix() * c->weights.col(k);
      const double n = c->weights.col(k).sum();  // 1, or 0 for an empty set
      c->scale.col(k) = ((second - n * c->centre.col(k).array().square().matrix()).array().max(0.0) +
                         kScaleFloor * kScaleFloor).sqrt();
      c->pooled.col(k).segment(q, f) = c->centre.col(k);
      c->pooled.col(k).segment(q + f, f) = c->scale.col(k).array().log();
    }
  }
  const Eigen::Index num_chunks = (b + kChunkSets - 1) / kChunkSets;
  c->chunks.resize(num_chunks);
#pragma omp parallel for schedule(dynamic, 1) if (num_chunks > 1)
  for (Eigen::Index chunk = 0; chunk < num_chunks; ++chunk) {
    const Eigen::Index first = chunk * kChunkSets, sets = std::min(kChunkSets, b - first);
    ChunkCache& cc = c->chunks[chunk];
    cc.phi_in = rows.block(0, first * s, f, sets * s);
    if (options_.set_norm)
      for (Eigen::Index k = first; k < first + sets; ++k) {
        auto block = cc.phi_in.middleCols((k - first) * s, s);
        block = ((block.colwise() - c->centre.col(k)).array().colwise() / c->scale.col(k).array()).matrix();
      }
    const Matrix& h = phi_.forward(cc.phi_in, &cc.phi);
    for (Eigen::Index k = first; k < first + sets; ++k) {
      const auto block = h.middleCols((k - first) * s, s);
      switch (options_.pooling) {
        case Pooling::kMean: c->pooled.col(k).head(p).noalias() = block * c->weights.col(k); break;
        case Pooling::kSum: c->pooled.col(k).head(p).noalias() = block * c->weights_sum.col(k); break;
        case Pooling::kMeanAndSum:
          c->pooled.col(k).head(p).noalias() = block * c->weights.col(k);
          c->pooled.col(k).segment(p, p).noalias() = block * c->weights_sum.col(k);
          break;
      }
    }
  }
  return rho_.forward(c->pooled, &c->rho);
}

Matrix DeepSetsEmbedding::embed(const Matrix& x) const {
  Cache cache;
  return run(x, &cache);
}

const Matrix& DeepSetsEmbedding::forward(const Matrix& x) { return run(x, &cache_); }

void DeepSetsEmbedding::backward(const Matrix& grad_out) {
  Cache& c = cache_;
  rho_.backward(&c.rho, grad_out, &c.grad_pooled);
  const int s = options_.set_size, p = options_.phi_dim;
  const Eigen::Index b = c.pooled.cols();
  const Eigen::Index num_chunks = static_cast<Eigen::Index>(c.chunks.size());
  if (static_cast<Eigen::Index>(phi_replicas_.size()) < num_chunks) phi_replicas_.resize(num_chunks);
#pragma omp parallel for schedule(dynamic, 1) if (num_chunks > 1)
  for (Eigen::Index chunk = 0; chunk < num_chunks; ++chunk) {
    const Eigen::Index first = chunk * kChunkSets, sets = std::min(kChunkSets, b - first);
    ChunkCache& cc = c.chunks[chunk];
    cc.grad_h.resize(p, sets * s);
    // pooled_k = Φ_k w_k  =>  dL/dΦ_k = (dL/dpooled_k) w_kᵀ, summed over the poolings.
    for (Eigen::Index k = first; k < first + sets; ++k) {
      auto block = cc.grad_h.middleCols((k - first) * s, s);
      switch (options_.pooling) {
        case Pooling::kMean:
          block.noalias() = c.grad_pooled.col(k).head(p) * c.weights.col(k).transpose();
          break;
        case Pooling::kSum:
          block.noalias() = c.grad_pooled.col(k).head(p) * c.weights_sum.col(k).transpose();
          break;
        case Pooling::kMeanAndSum:
          block.noalias() = c.grad_pooled.col(k).head(p) * c.weights.col(k).transpose();
          block.noalias() += c.grad_pooled.col(k).segment(p, p) * c.weights_sum.col(k).transpose();
          break;
      }
    }
    // This chunk's copy of φ (same weights) takes its parameter gradients from zero.
    Mlp& replica = phi_replicas_[chunk];
    replica = phi_;
    for (const Parameter& param : replica.parameters()) param.grad->setZero();
    replica.backward(&cc.phi, cc.grad_h, nullptr);
  }
  const Parameters master = phi_.parameters();
  for (Eigen::Index chunk = 0; chunk < num_chunks; ++chunk) {
    const Parameters part = phi_replicas_[chunk].parameters();
    for (size_t i = 0; i < master.size(); ++i) *master[i].grad += *part[i].grad;
  }
}

Parameters DeepSetsEmbedding::parameters() {
  Parameters out;
  append_parameters("phi", phi_.parameters(), &out);
  append_parameters("rho", rho_.parameters(), &out);
  return out;
}

DeepSetsOptions deepsets_options_from(const EmbeddingHyperparameters& h) {
  DeepSetsOptions o;
  o.set_size = h.get_int("set_size");
  o.features = h.get_int("features");
  o.masked = h.get_bool("masked");
  o.hidden = h.get_int("hidden");
  o.phi_layers = h.get_int("phi_layers");
  o.phi_dim = h.get_int("phi_dim");
  o.rho_layers = h.get_int("rho_layers");
  o.out_dim = h.get_int("out_dim");
  o.pooling = h.get_enum("pooling", parse_pooling, pooling_names());
  o.activation = h.get_enum("activation", parse_activation, activation_names());
  o.set_norm = h.has("set_norm") && h.get_bool("set_norm");  // absent in older files: off
  return o;
}

}  // namespace sbi::nn
