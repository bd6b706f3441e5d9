// A convolutional embedding for images and maps (kind "cnn"):
//
//   x -> [Conv2d(k x k, 'same') -> act -> 2 x 2 pool] per block -> readout -> head MLP -> c
//
// Block b has block_channels[b] output channels; the pooling halves height and width after
// every block (48 x 48 -> 24 -> 12 -> 6 for three blocks). The readout either flattens the
// last feature maps (C x h x w numbers per image, so the head still sees where things are:
// lens and source positions matter) or takes their global average (C numbers, translation
// invariant). The head is an nn::Mlp (ReLU or the chosen activation, `head_layers` hidden
// layers of width `hidden`, linear output of width out_dim).
//
// Input: one image per column, C*H*W numbers in (C, H, W) C order, as the data files hold
// (N, H, W) or (N, C, H, W) row-major arrays (core/data_shape.h, nn/image_shape.h).
// Weights start as PyTorch's defaults (U(±1/sqrt(fan_in)) for weights and biases), drawn
// from the rng; the same network in PyTorch is written out in bench/cnn_pytorch.py.
//
// The embedding does not standardise: the caller scales the images (per image or globally,
// never per pixel; DESIGN.md). The convolutions pick their algorithm (nn/conv2d.h: Winograd
// for 3 x 3 kernels on 8 channels or more, im2col otherwise). Training keeps every block's
// input, convolution output and activation: 147,456 numbers (1.2 MB) per 48 x 48 image for
// the default blocks, 151 MB for a batch of 128 (embed() keeps one chunk per thread).
//
// The convolution stack runs image chunk by image chunk (kChunkImages images per chunk,
// OpenMP over chunks), in embed() and in training; backward gives each chunk its own copy
// of the convolutions and adds their gradients in chunk order, so results are the same for
// any number of threads (as nn/deepsets.h does). The head runs once on the whole batch.
#pragma once

#include <string>
#include <vector>

#include "nn/conv2d.h"
#include "nn/embedding.h"
#include "nn/pooling.h"

namespace sbi::nn {

enum class CnnReadout { kFlatten = 0, kMean = 1 };

// "flatten", "mean" <-> enum; parse throws core::Error on an unknown name.
CnnReadout parse_cnn_readout(const std::string& name);
std::string cnn_readout_name(CnnReadout readout);
std::vector<std::string> cnn_readout_names();  // in the order of the enum

struct CnnOptions {
  int height = 0;                                  // H: image rows
  int width = 0;                                   // W: image columns
  int channels = 1;                                // C: image channels
  std::vector<int> block_channels = {16, 32, 64};  // output channels of each conv block
  int kernel = 3;                                  // odd k; 'same' zero padding (k - 1) / 2
  Activation activation = Activation::kReLU;
  ImagePooling pooling = ImagePooling::kAverage;  // 2 x 2, after every block
  CnnReadout readout = CnnReadout::kFlatten;
  int hidden = 128;     // width of the head's hidden layers
  int head_layers = 1;  // hidden layers of the head (0: one dense layer to out_dim)
  int out_dim = 20;     // the context c
  // The arithmetic of the training passes (forward() and backward()): double, or the
  // convolutions, pooling, activations and the head in float (the images rounded as they
  // enter, the summary and the weight gradients widened back; nn/conv2d.h). embed() is double.
  Precision training_precision = Precision::kFloat64;

  ImageShape image() const { return {channels, height, width}; }
  int in_dim() const { return channels * height * width; }
  // Numbers per image after the readout: C_last * h * w (flatten) or C_last (mean).
  int readout_dim() const;
  // Numbers the convolution stack keeps per image for backward: every block's input,
  // convolution output and activation (147,456 for 48 x 48 and the default blocks).
  double cached_numbers_per_image() const;
  bool is_valid(std::string* error) const;  // names the field, its value and the rule
};

class CnnEmbedding : public Embedding {
 public:
  // Throws core::Error on invalid options. Weights drawn from `rng` (borrowed).
  CnnEmbedding(const CnnOptions& options, core::Rng* rng);

  std::string kind() const override { return "cnn"; }
  int in_dim() const override { return options_.in_dim(); }
  int out_dim() const override { return options_.out_dim; }
  // height, width, channels, blocks, block1_channels .. block<n>_channels, kernel,
  // activation, pooling (avg, max), readout (flatten, mean), hidden, head_layers, out_dim,
  // in_dim.
  EmbeddingHyperparameters hyperparameters() const override;
  const CnnOptions& options() const { return options_; }

  // x: in_dim() x B; throws core::Error naming the expected image when x has another size.
  Matrix embed(const Matrix& x) const override;
  const Matrix& forward(const Matrix& x) override;
  void backward(const Matrix& grad_out) override;
  double cached_numbers_per_sample() const override {
    return options_.cached_numbers_per_image();
  }
  Parameters parameters() override;  // "conv1/weight", "conv1/bias", ..., "head/..."

 private:
  // Images per chunk: the unit of parallel work and of the per-chunk gradient copies. Fixed,
  // so results do not depend on the thread count.
  static constexpr Eigen::Index kChunkImages = 8;

  // One chunk, one block: one column per image, in the precision of the pass (T).
  template <class T>
  struct BlockCache {
    MatrixOf<T> input;  // images entering the convolution
    MatrixOf<T> pre;    // convolution output
    MatrixOf<T> act;    // act(pre), the pooling input
  };
  template <class T>
  struct ChunkCache {  // what backward needs of one chunk's forward pass
    std::vector<BlockCache<T>> blocks;
    MatrixOf<T> pooled;  // output of the last block
  };
  // Scratch of one thread, reused for every chunk it runs. One object per block and role,
  // so that each keeps its size and a warmed-up step does not allocate.
  template <class T>
  struct Workspace {
    std::vector<Conv2dScratchOf<T>> conv;  // each block's convolution scratch
    std::vector<MatrixOf<T>> grad_out;     // dL/d(block output)
    std::vector<MatrixOf<T>> grad_act;     // dL/d act(pre)
    std::vector<MatrixOf<T>> grad_pre;     // dL/d pre
    MatrixOf<T> readout;                   // the chunk's readout (global averages, or flat)
  };
  // The chunks and workspaces of one precision.
  template <class T>
  struct Passes {
    std::vector<ChunkCache<T>> chunks;    // training: one per chunk; embed(): one per thread
    std::vector<Workspace<T>> workspaces;  // one per thread
  };
  struct Cache {
    std::vector<Conv2dFilters> filters;  // of each block, for these weights
    Passes<double> passes;               // double passes (embed(), float64 training)
    Passes<float> passes_single;         // training in float32
    Matrix features;                     // readout_dim x B
    MlpCache head;
    Matrix grad_features;
  };
  using Convs = std::vector<Conv2d>;

  // The forward pass in precision T (float: training with training_precision kFloat32).
  // Training keeps every chunk's activations for backward; embed() keeps one chunk per
  // thread, so that its memory does not grow with the number of images.
  template <class T>
  const Matrix& run(const Matrix& x, bool keep_activations, Cache* cache, Passes<T>* passes) const;
  // Makes one workspace per thread, each with a matrix per block.
  template <class T>
  void prepare_workspaces(Passes<T>* passes) const;
  // The blocks and the readout for the images [first, first + count) of x, into `features`.
  template <class T>
  void run_chunk(const Matrix& x, Eigen::Index first, Eigen::Index count, const Cache& cache,
                 ChunkCache<T>* chunk, Workspace<T>* ws, Matrix* features) const;
  // Adds the chunk's parameter gradients into `convs` (a replica of convs_).
  template <class T>
  void backward_chunk(Convs* convs, const Cache& cache, const Passes<T>& passes, Eigen::Index chunk,
                      Eigen::Index count, Workspace<T>* ws) const;
  template <class T>
  void backward_convolutions(Passes<T>* passes);

  CnnOptions options_;
  Convs convs_;
  std::vector<ImageShape> shapes_;  // shapes_[b]: input of block b; shapes_.back(): after the last
  Mlp head_;
  Cache cache_;                  // of the last forward()
  std::vector<Convs> replicas_;  // backward: one copy of the convolutions per chunk
};

CnnOptions cnn_options_from(const EmbeddingHyperparameters& h);

}  // namespace sbi::nn
