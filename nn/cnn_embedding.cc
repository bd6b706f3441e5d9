#include "nn/cnn_embedding.h"

#include <cmath>

#include <omp.h>

#include <algorithm>
#include <type_traits>

#include "core/enum_names.h"
#include "core/error.h"

namespace sbi::nn {

namespace {
const core::EnumNames<CnnReadout>& readouts() {
  static const core::EnumNames<CnnReadout> names("CNN readout", {"flatten", "mean"});
  return names;
}
}  // namespace

CnnReadout parse_cnn_readout(const std::string& name) { return readouts().parse(name); }
std::string cnn_readout_name(CnnReadout value) { return readouts().name(value); }
std::vector<std::string> cnn_readout_names() { return readouts().names(); }

int CnnOptions::readout_dim() const {
  const int last = block_channels.empty() ? 0 : block_channels.back();
  if (readout == CnnReadout::kMean) return last;
  const int blocks = static_cast<int>(block_channels.size());
  return last * (height >> blocks) * (width >> blocks);
}

double CnnOptions::cached_numbers_per_image() const {
  double total = 0, c = channels, h = height, w = width;
  for (int out : block_channels) {
    total += c * h * w + 2.0 * out * h * w;
    c = out;
    h = std::floor(h / 2);
    w = std::floor(w / 2);
  }
  return total;
}

bool CnnOptions::is_valid(std::string* error) const {
  auto fail = [&](const std::string& name, long value, const std::string& rule) {
    if (error) *error = "CnnOptions::" + name + " = " + std::to_string(value) + " " + rule;
    return false;
  };
  if (height < 1) return fail("height", height, "must be >= 1");
  if (width < 1) return fail("width", width, "must be >= 1");
  if (channels < 1) return fail("channels", channels, "must be >= 1");
  const int blocks = static_cast<int>(block_channels.size());
  if (blocks < 1 || blocks > 16) return fail("block_channels.size()", blocks, "must be in [1, 16]");
  for (int b = 0; b < blocks; ++b)
    if (block_channels[b] < 1)
      return fail("block_channels[" + std::to_string(b) + "]", block_channels[b], "must be >= 1");
  // Each block halves the image (floor): 2^blocks pixels at least along each side.
  const std::string pooled = "is too small for " + std::to_string(blocks) +
                             " blocks of 2 x 2 pooling (needs >= " + std::to_string(1 << blocks) + ")";
  if ((height >> blocks) < 1) return fail("height", height, pooled);
  if ((width >> blocks) < 1) return fail("width", width, pooled);
  if (static_cast<long>(channels) * height * width > (1L << 30))
    return fail("height * width * channels", static_cast<long>(channels) * height * width, "must be <= 2^30");
  if (kernel < 1 || kernel % 2 == 0) return fail("kernel", kernel, "must be odd and >= 1 ('same' padding)");
  const int a = static_cast<int>(activation), p = static_cast<int>(pooling), r = static_cast<int>(readout);
  if (a < 0 || a > 3) return fail("activation", a, "must be 0 (relu), 1 (tanh), 2 (silu) or 3 (elu)");
  if (p < 0 || p > 1) return fail("pooling", p, "must be 0 (avg) or 1 (max)");
  if (r < 0 || r > 1) return fail("readout", r, "must be 0 (flatten) or 1 (mean)");
  if (hidden < 1) return fail("hidden", hidden, "must be >= 1");
  if (head_layers < 0) return fail("head_layers", head_layers, "must be >= 0");
  if (out_dim < 1) return fail("out_dim", out_dim, "must be >= 1");
  return true;
}

namespace {

const CnnOptions& validated(const CnnOptions& options) {
  core::check_valid(options, "CnnEmbedding");
  return options;
}

MlpOptions head_options(const CnnOptions& o) {
  MlpOptions m;
  m.in = o.readout_dim();
  m.out = o.out_dim;
  m.hidden = o.hidden;
  m.num_layers = o.head_layers;
  m.activation = o.activation;
  return m;
}

}  // namespace

CnnEmbedding::CnnEmbedding(const CnnOptions& options, core::Rng* rng) : options_(validated(options)) {
  ImageShape shape = options.image();
  for (int c : options.block_channels) {
    shapes_.push_back(shape);
    convs_.emplace_back(shape, c, options.kernel, (options.kernel - 1) / 2);
    convs_.back().initialize(Init::kPyTorch, rng);
    shape = pooled_shape(convs_.back().out_shape());
  }
  shapes_.push_back(shape);
  head_ = Mlp(head_options(options), rng);
}

EmbeddingHyperparameters CnnEmbedding::hyperparameters() const {
  const CnnOptions& o = options_;
  EmbeddingHyperparameters h("cnn embedding");
  h.set("height", o.height);
  h.set("width", o.width);
  h.set("channels", o.channels);
  h.set("blocks", static_cast<int>(o.block_channels.size()));
  for (size_t b = 0; b < o.block_channels.size(); ++b)
    h.set("block" + std::to_string(b + 1) + "_channels", o.block_channels[b]);
  h.set("kernel", o.kernel);
  h.set("activation", activation_name(o.activation));
  h.set("pooling", image_pooling_name(o.pooling));
  h.set("readout", cnn_readout_name(o.readout));
  h.set("hidden", o.hidden);
  h.set("head_layers", o.head_layers);
  h.set("out_dim", o.out_dim);
  h.set("in_dim", o.in_dim());
  h.set("training_precision", precision_name(o.training_precision));
  return h;
}

template <class T>
void CnnEmbedding::prepare_workspaces(Passes<T>* passes) const {
  passes->workspaces.resize(std::max<size_t>(passes->workspaces.size(), omp_get_max_threads()));
  for (Workspace<T>& ws : passes->workspaces) {
    ws.conv.resize(convs_.size());
    for (std::vector<MatrixOf<T>>* v : {&ws.grad_out, &ws.grad_act, &ws.grad_pre}) v->resize(convs_.size());
  }
}

namespace {
// A block of columns of a double matrix into `to`, in T (rounded for float).
template <class T>
void take_columns(const Matrix& from, Eigen::Index first, Eigen::Index count, MatrixOf<T>* to) {
  if constexpr (std::is_same_v<T, double>) {
    *to = from.middleCols(first, count);
  } else {
    to->resize(from.rows(), count);
    round_to_float(from.col(first).data(), to->size(), to->data());
  }
}
}  // namespace

template <class T>
void CnnEmbedding::run_chunk(const Matrix& x, Eigen::Index first, Eigen::Index count, const Cache& cache,
                             ChunkCache<T>* chunk, Workspace<T>* ws, Matrix* features) const {
  const size_t blocks = convs_.size();
  chunk->blocks.resize(blocks);
  take_columns(x, first, count, &chunk->blocks[0].input);
  for (size_t b = 0; b < blocks; ++b) {
    BlockCache<T>& bc = chunk->blocks[b];
    convs_[b].forward(bc.input, cache.filters[b], &bc.pre, &ws->conv[b]);
    activate(options_.activation, bc.pre, &bc.act);
    pool_2x2(options_.pooling, bc.act, convs_[b].out_shape(),
             b + 1 < blocks ? &chunk->blocks[b + 1].input : &chunk->pooled);
  }
  // (C, h, w) C order when flattened, as PyTorch's flatten.
  const MatrixOf<T>* readout = &chunk->pooled;
  if (options_.readout == CnnReadout::kMean) {
    global_average_pool(chunk->pooled, shapes_.back(), &ws->readout);
    readout = &ws->readout;
  }
  features->middleCols(first, count) = readout->template cast<double>();
}

template <class T>
const Matrix& CnnEmbedding::run(const Matrix& x, bool keep_activations, Cache* c, Passes<T>* passes) const {
  core::check(x.rows() == in_dim(), "CnnEmbedding: x has " + std::to_string(x.rows()) + " rows, expected " +
                                        std::to_string(in_dim()) + " (an image of " +
                                        options_.image().describe() + ")");
  const Eigen::Index b = x.cols();
  const Eigen::Index num_chunks = (b + kChunkImages - 1) / kChunkImages;
  passes->chunks.resize(keep_activations ? num_chunks : omp_get_max_threads());
  prepare_workspaces(passes);
  c->filters.resize(convs_.size());
  const Precision precision = std::is_same_v<T, float> ? Precision::kFloat32 : Precision::kFloat64;
  for (size_t l = 0; l < convs_.size(); ++l) convs_[l].prepare(&c->filters[l], precision);
  c->features.resize(options_.readout_dim(), b);
#pragma omp parallel for schedule(dynamic, 1) if (num_chunks > 1)
  for (Eigen::Index chunk = 0; chunk < num_chunks; ++chunk) {
    const Eigen::Index first = chunk * kChunkImages;
    const int thread = omp_get_thread_num();
    run_chunk(x, first, std::min(kChunkImages, b - first), *c, &passes->chunks[keep_activations ? chunk : thread],
              &passes->workspaces[thread], &c->features);
  }
  c->head.precision = precision;
  return head_.forward(c->features, &c->head);
}

Matrix CnnEmbedding::embed(const Matrix& x) const {
  Cache cache;
  return run(x, false, &cache, &cache.passes);
}

const Matrix& CnnEmbedding::forward(const Matrix& x) {
  if (options_.training_precision == Precision::kFloat32)
    return run(x, true, &cache_, &cache_.passes_single);
  return run(x, true, &cache_, &cache_.passes);
}

template <class T>
void CnnEmbedding::backward_chunk(Convs* convs, const Cache& c, const Passes<T>& passes, Eigen::Index chunk_index,
                                  Eigen::Index count, Workspace<T>* ws) const {
  const ChunkCache<T>& chunk = passes.chunks[chunk_index];
  const Eigen::Index first = chunk_index * kChunkImages;
  const size_t last = convs->size() - 1;
  if (options_.readout == CnnReadout::kFlatten) {
    take_columns(c.grad_features, first, count, &ws->grad_out[last]);
  } else {
    take_columns(c.grad_features, first, count, &ws->readout);
    global_average_pool_backward(shapes_.back(), ws->readout, &ws->grad_out[last]);
  }
  for (size_t b = last + 1; b-- > 0;) {
    const BlockCache<T>& bc = chunk.blocks[b];
    Conv2d& conv = (*convs)[b];
    pool_2x2_backward(options_.pooling, bc.act, conv.out_shape(), ws->grad_out[b], &ws->grad_act[b]);
    activation_backward(options_.activation, bc.pre, bc.act, ws->grad_act[b], &ws->grad_pre[b]);
    // The block's input is the previous block's output (no input gradient for the image).
    conv.backward(bc.input, ws->grad_pre[b], c.filters[b], b > 0 ? &ws->grad_out[b - 1] : nullptr,
                  &ws->conv[b]);
  }
}

template <class T>
void CnnEmbedding::backward_convolutions(Passes<T>* passes) {
  Cache& c = cache_;
  const Eigen::Index b = c.features.cols();
  const Eigen::Index num_chunks = (b + kChunkImages - 1) / kChunkImages;
  if (static_cast<Eigen::Index>(replicas_.size()) < num_chunks) replicas_.resize(num_chunks);
  prepare_workspaces(passes);
#pragma omp parallel for schedule(dynamic, 1) if (num_chunks > 1)
  for (Eigen::Index chunk = 0; chunk < num_chunks; ++chunk) {
    // This chunk's copy of the convolutions (same weights, so the forward pass's filters
    // serve) takes its gradients from zero.
    Convs& replica = replicas_[chunk];
    replica = convs_;
    for (Conv2d& conv : replica)
      for (const Parameter& p : conv.parameters()) p.grad->setZero();
    backward_chunk(&replica, c, *passes, chunk, std::min(kChunkImages, b - chunk * kChunkImages),
                   &passes->workspaces[omp_get_thread_num()]);
  }
  for (size_t l = 0; l < convs_.size(); ++l) {
    const Parameters master = convs_[l].parameters();
    for (Eigen::Index chunk = 0; chunk < num_chunks; ++chunk) {
      const Parameters part = replicas_[chunk][l].parameters();
      for (size_t i = 0; i < master.size(); ++i) *master[i].grad += *part[i].grad;
    }
  }
}

void CnnEmbedding::backward(const Matrix& grad_out) {
  head_.backward(&cache_.head, grad_out, &cache_.grad_features);
  if (options_.training_precision == Precision::kFloat32)
    backward_convolutions(&cache_.passes_single);
  else
    backward_convolutions(&cache_.passes);
}

Parameters CnnEmbedding::parameters() {
  Parameters out;
  for (size_t l = 0; l < convs_.size(); ++l)
    append_parameters("conv" + std::to_string(l + 1), convs_[l].parameters(), &out);
  append_parameters("head", head_.parameters(), &out);
  return out;
}

CnnOptions cnn_options_from(const EmbeddingHyperparameters& h) {
  CnnOptions o;
  o.height = h.get_int("height");
  o.width = h.get_int("width");
  o.channels = h.get_int("channels");
  const int blocks = h.get_int("blocks");
  core::check(blocks >= 1 && blocks <= 16,
              "cnn embedding: hyperparameter 'blocks' = " + std::to_string(blocks) + " must be in [1, 16]");
  o.block_channels.resize(blocks);
  for (int b = 0; b < blocks; ++b)
    o.block_channels[b] = h.get_int("block" + std::to_string(b + 1) + "_channels");
  o.kernel = h.get_int("kernel");
  o.activation = h.get_enum("activation", parse_activation, activation_names());
  o.pooling = h.get_enum("pooling", parse_image_pooling, image_pooling_names());
  o.readout = h.get_enum("readout", parse_cnn_readout, cnn_readout_names());
  o.hidden = h.get_int("hidden");
  o.head_layers = h.get_int("head_layers");
  o.out_dim = h.get_int("out_dim");
  o.training_precision = h.has("training_precision")  // absent before 2026-12-04: double
                             ? h.get_enum("training_precision", parse_precision, precision_names())
                             : Precision::kFloat64;
  core::check(!h.has("in_dim") || h.get_int("in_dim") == o.channels * o.height * o.width,
              "cnn embedding: hyperparameter 'in_dim' = " + std::to_string(h.get_int("in_dim")) +
                  " is not channels x height x width = " + std::to_string(o.channels * o.height * o.width));
  return o;
}

}  // namespace sbi::nn
