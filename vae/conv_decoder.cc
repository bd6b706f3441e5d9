#include "vae/conv_decoder.h"

#include <omp.h>

#include <algorithm>

#include "core/error.h"
#include "nn/upsample.h"

namespace sbi::vae {

nn::ImageShape ConvDecoderOptions::start() const {
  const int scale = 1 << block_channels.size();
  return {block_channels.empty() ? 0 : block_channels[0], (height + scale - 1) / scale,
          (width + scale - 1) / scale};
}

bool ConvDecoderOptions::is_valid(std::string* error) const {
  auto fail = [&](const std::string& what) {
    if (error) *error = "ConvDecoderOptions::" + what;
    return false;
  };
  if (latent_dim < 1) return fail("latent_dim = " + std::to_string(latent_dim) + " must be >= 1");
  if (height < 1 || width < 1 || channels < 1)
    return fail("the image " + image().describe() + " must have every size >= 1");
  if (block_channels.empty() || block_channels.size() > 8)
    return fail("block_channels must have 1 to 8 entries");
  for (int c : block_channels)
    if (c < 1) return fail("block_channels entries must be >= 1");
  if (kernel < 1 || kernel % 2 == 0) return fail("kernel = " + std::to_string(kernel) + " must be odd and >= 1");
  if (hidden < 1 || head_layers < 0) return fail("hidden must be >= 1 and head_layers >= 0");
  return true;
}

ConvDecoderOptions conv_decoder_options_from(const core::Hyperparameters& h) {
  ConvDecoderOptions o;
  o.latent_dim = h.get_int("latent_dim");
  o.height = h.get_int("height");
  o.width = h.get_int("width");
  o.channels = h.get_int("channels");
  const int blocks = h.get_int("blocks");
  core::check(blocks >= 1 && blocks <= 8,
              "conv decoder: hyperparameter 'blocks' = " + std::to_string(blocks) + " must be in [1, 8]");
  o.block_channels.resize(blocks);
  for (int b = 0; b < blocks; ++b) o.block_channels[b] = h.get_int("block" + std::to_string(b + 1) + "_channels");
  o.kernel = h.get_int("kernel");
  o.activation = h.get_enum("activation", nn::parse_activation, nn::activation_names());
  o.hidden = h.get_int("hidden");
  o.head_layers = h.get_int("head_layers");
  return o;
}

ConvDecoder::ConvDecoder(const ConvDecoderOptions& options, core::Rng* rng) : options_(options) {
  core::check_valid(options_, "ConvDecoder");
  nn::MlpOptions head;
  head.in = options_.latent_dim;
  head.out = static_cast<int>(options_.start().flat_dim());
  head.hidden = options_.hidden;
  head.num_layers = options_.head_layers;
  head.activation = options_.activation;
  head_ = nn::Mlp(head, rng);
  nn::ImageShape shape = options_.start();
  const int padding = (options_.kernel - 1) / 2;
  for (int channels : options_.block_channels) {
    block_in_.push_back(shape);
    shape = nn::upsampled_shape(shape);
    convs_.emplace_back(shape, channels, options_.kernel, padding);
    convs_.back().initialize(nn::Init::kPyTorch, rng);
    shape = convs_.back().out_shape();
  }
  convs_.emplace_back(shape, options_.channels, options_.kernel, padding);
  convs_.back().initialize(nn::Init::kPyTorch, rng);
  full_ = convs_.back().out_shape();
}

core::Hyperparameters ConvDecoder::hyperparameters() const {
  const ConvDecoderOptions& o = options_;
  core::Hyperparameters h("conv decoder");
  h.set("latent_dim", o.latent_dim);
  h.set("height", o.height);
  h.set("width", o.width);
  h.set("channels", o.channels);
  h.set("blocks", static_cast<int>(o.block_channels.size()));
  for (size_t b = 0; b < o.block_channels.size(); ++b)
    h.set("block" + std::to_string(b + 1) + "_channels", o.block_channels[b]);
  h.set("kernel", o.kernel);
  h.set("activation", nn::activation_name(o.activation));
  h.set("hidden", o.hidden);
  h.set("head_layers", o.head_layers);
  return h;
}

void ConvDecoder::prepare_workspaces(Cache* c) const {
  c->workspaces.resize(std::max<size_t>(c->workspaces.size(), omp_get_max_threads()));
  for (Workspace& ws : c->workspaces) ws.conv.resize(convs_.size());
}

void ConvDecoder::run_chunk(const nn::Matrix& start, Eigen::Index first, Eigen::Index count,
                            const Cache& c, ChunkCache* chunk, Workspace* ws, nn::Matrix* out) const {
  const size_t blocks = options_.block_channels.size();
  for (auto* v : {&chunk->input, &chunk->pre, &chunk->act}) v->resize(blocks);
  nn::upsample_2x(start.middleCols(first, count), block_in_[0], &chunk->input[0]);
  for (size_t b = 0; b < blocks; ++b) {
    convs_[b].forward(chunk->input[b], c.filters[b], &chunk->pre[b], &ws->conv[b]);
    nn::activate(options_.activation, chunk->pre[b], &chunk->act[b]);
    if (b + 1 < blocks) nn::upsample_2x(chunk->act[b], block_in_[b + 1], &chunk->input[b + 1]);
  }
  convs_[blocks].forward(chunk->act[blocks - 1], c.filters[blocks], &chunk->full, &ws->conv[blocks]);
  nn::Matrix cropped;
  nn::crop_images(chunk->full, full_, options_.image(), &cropped);
  out->middleCols(first, count) = cropped;
}

const nn::Matrix& ConvDecoder::run(const nn::Matrix& z, bool keep, Cache* c) const {
  core::check(z.rows() == latent_dim(), "decoder: z has " + std::to_string(z.rows()) +
                                            " rows, the latent dimension is " +
                                            std::to_string(latent_dim()));
  const nn::Matrix& start = head_.forward(z, &c->head);
  const Eigen::Index b = z.cols();
  const Eigen::Index num_chunks = (b + kChunkImages - 1) / kChunkImages;
  c->chunks.resize(keep ? num_chunks : omp_get_max_threads());
  prepare_workspaces(c);
  c->filters.resize(convs_.size());
  for (size_t l = 0; l < convs_.size(); ++l) convs_[l].prepare(&c->filters[l]);
  c->out.resize(out_dim(), b);
#pragma omp parallel for schedule(dynamic, 1) if (num_chunks > 1)
  for (Eigen::Index chunk = 0; chunk < num_chunks; ++chunk) {
    const Eigen::Index first = chunk * kChunkImages;
    const int thread = omp_get_thread_num();
    run_chunk(start, first, std::min(kChunkImages, b - first), *c,
              &c->chunks[keep ? chunk : thread], &c->workspaces[thread], &c->out);
  }
  return c->out;
}

nn::Matrix ConvDecoder::decode(const nn::Matrix& z) const {
  Cache cache;
  return run(z, false, &cache);
}

const nn::Matrix& ConvDecoder::forward(const nn::Matrix& z) { return run(z, true, &cache_); }

void ConvDecoder::backward_chunk(Convs* convs, const Cache& c, const nn::Matrix& grad_y,
                                 Eigen::Index chunk_index, Eigen::Index count, Workspace* ws,
                                 nn::Matrix* grad_start) {
  const ChunkCache& chunk = c.chunks[chunk_index];
  const Eigen::Index first = chunk_index * kChunkImages;
  const size_t blocks = options_.block_channels.size();
  nn::crop_images_backward(full_, options_.image(), grad_y.middleCols(first, count), &ws->grad_full);
  (*convs)[blocks].backward(chunk.act[blocks - 1], ws->grad_full, c.filters[blocks], &ws->grad_act,
                            &ws->conv[blocks]);
  for (size_t b = blocks; b-- > 0;) {
    nn::activation_backward(options_.activation, chunk.pre[b], chunk.act[b], ws->grad_act, &ws->grad_pre);
    (*convs)[b].backward(chunk.input[b], ws->grad_pre, c.filters[b], &ws->grad_input, &ws->conv[b]);
    nn::upsample_2x_backward(block_in_[b], ws->grad_input, &ws->grad_small);
    if (b > 0) std::swap(ws->grad_act, ws->grad_small);
  }
  grad_start->middleCols(first, count) = ws->grad_small;  // this chunk's columns alone
}

void ConvDecoder::backward(const nn::Matrix& grad_y, nn::Matrix* grad_z) {
  Cache& c = cache_;
  const Eigen::Index b = grad_y.cols();
  core::check(grad_y.rows() == out_dim() && b == c.out.cols(),
              "ConvDecoder::backward: grad_y does not match the last forward pass");
  const Eigen::Index num_chunks = (b + kChunkImages - 1) / kChunkImages;
  if (static_cast<Eigen::Index>(replicas_.size()) < num_chunks) replicas_.resize(num_chunks);
  prepare_workspaces(&c);
  c.grad_start.resize(options_.start().flat_dim(), b);
#pragma omp parallel for schedule(dynamic, 1) if (num_chunks > 1)
  for (Eigen::Index chunk = 0; chunk < num_chunks; ++chunk) {
    Convs& replica = replicas_[chunk];
    replica = convs_;
    for (nn::Conv2d& conv : replica)
      for (const nn::Parameter& p : conv.parameters()) p.grad->setZero();
    backward_chunk(&replica, c, grad_y, chunk, std::min(kChunkImages, b - chunk * kChunkImages),
                   &c.workspaces[omp_get_thread_num()], &c.grad_start);
  }
  for (size_t l = 0; l < convs_.size(); ++l) {
    const nn::Parameters master = convs_[l].parameters();
    for (Eigen::Index chunk = 0; chunk < num_chunks; ++chunk) {
      const nn::Parameters part = replicas_[chunk][l].parameters();
      for (size_t i = 0; i < master.size(); ++i) *master[i].grad += *part[i].grad;
    }
  }
  head_.backward(&c.head, c.grad_start, grad_z);
}

nn::Parameters ConvDecoder::parameters() {
  nn::Parameters out;
  nn::append_parameters("head", head_.parameters(), &out);
  for (size_t l = 0; l + 1 < convs_.size(); ++l)
    nn::append_parameters("conv" + std::to_string(l + 1), convs_[l].parameters(), &out);
  nn::append_parameters("output", convs_.back().parameters(), &out);
  return out;
}

}  // namespace sbi::vae
