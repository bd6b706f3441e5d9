// A convolutional decoder for images (kind "conv"), the mirror of nn::CnnEmbedding:
//
//   z -> head MLP -> C_0 x h0 x w0 -> [2x upsample -> Conv2d(k x k, 'same') -> act] per block
//     -> Conv2d(k x k, 'same') to the image's channels -> crop to H x W -> y
//
// with h0 = ceil(H / 2^blocks), w0 likewise, C_0 = block_channels[0] (48 x 48, three blocks:
// 6 -> 12 -> 24 -> 48). The last convolution is linear: y is the Gaussian mean or the
// Bernoulli logits. Upsampling is nearest-neighbour (nn/upsample.h), which avoids the
// checkerboard artefacts of transposed convolutions (Odena et al. 2016, Distill).
//
// As in nn::CnnEmbedding, the convolution stack runs chunk by chunk (kChunkImages images,
// OpenMP over chunks) and backward adds each chunk's gradients in chunk order, so results
// are the same for any number of threads.
#pragma once

#include <vector>

#include "nn/conv2d.h"
#include "nn/mlp.h"
#include "vae/decoder.h"

namespace sbi::vae {

struct ConvDecoderOptions {
  int latent_dim = 0;
  int height = 0, width = 0, channels = 1;        // the image
  std::vector<int> block_channels = {32, 16, 8};  // output channels of each upsampling block
  int kernel = 3;                                 // odd
  nn::Activation activation = nn::Activation::kReLU;
  int hidden = 128;     // width of the head's hidden layers
  int head_layers = 1;  // hidden layers of the head
  nn::ImageShape image() const { return {channels, height, width}; }
  // The head's output map: C_0 x ceil(H / 2^blocks) x ceil(W / 2^blocks).
  nn::ImageShape start() const;
  bool is_valid(std::string* error) const;
};

ConvDecoderOptions conv_decoder_options_from(const core::Hyperparameters& h);

class ConvDecoder : public Decoder {
 public:
  // Throws core::Error on invalid options. Weights as PyTorch's defaults, from `rng`.
  ConvDecoder(const ConvDecoderOptions& options, core::Rng* rng);
  std::string kind() const override { return "conv"; }
  int latent_dim() const override { return options_.latent_dim; }
  int out_dim() const override { return static_cast<int>(options_.image().flat_dim()); }
  core::Hyperparameters hyperparameters() const override;
  nn::Matrix decode(const nn::Matrix& z) const override;
  const nn::Matrix& forward(const nn::Matrix& z) override;
  void backward(const nn::Matrix& grad_y, nn::Matrix* grad_z) override;
  nn::Parameters parameters() override;  // "head/...", "conv1/..", ..., "output/..."

 private:
  static constexpr Eigen::Index kChunkImages = 8;
  struct ChunkCache {
    std::vector<nn::Matrix> input, pre, act;  // per block: upsampled input, conv output, act
    nn::Matrix full;                          // the output convolution's result, before cropping
  };
  struct Workspace {
    std::vector<nn::Conv2dScratch> conv;  // per convolution (blocks, then the output)
    nn::Matrix grad_full, grad_act, grad_pre, grad_input, grad_small;
  };
  struct Cache {
    std::vector<nn::Conv2dFilters> filters;
    std::vector<ChunkCache> chunks;
    std::vector<Workspace> workspaces;
    nn::MlpCache head;
    nn::Matrix out, grad_start;
  };
  using Convs = std::vector<nn::Conv2d>;  // the blocks' convolutions, then the output one
  const nn::Matrix& run(const nn::Matrix& z, bool keep, Cache* cache) const;
  void prepare_workspaces(Cache* cache) const;
  void run_chunk(const nn::Matrix& start, Eigen::Index first, Eigen::Index count,
                 const Cache& cache, ChunkCache* chunk, Workspace* ws, nn::Matrix* out) const;
  void backward_chunk(Convs* convs, const Cache& cache, const nn::Matrix& grad_y,
                      Eigen::Index chunk, Eigen::Index count, Workspace* ws,
                      nn::Matrix* grad_start);

  ConvDecoderOptions options_;
  nn::Mlp head_;
  Convs convs_;
  std::vector<nn::ImageShape> block_in_;  // each block's input, before upsampling
  nn::ImageShape full_;                   // the output convolution's image, before cropping
  Cache cache_;
  std::vector<Convs> replicas_;
};

}  // namespace sbi::vae
