#include "sbi/model_size.h"

#include <algorithm>
#include <cstdio>

#include "sbi/density_factory.h"
#include "flows/cnf.h"
#include "flows/vector_field.h"

namespace sbi {
namespace {

// Weights of a chain of dense layers (nn::Mlp's layout).
struct Count {
  double weights = 0;
  void dense(double in, double out) { weights += (in + 1) * out; }
};

// nn::Mlp: plain = num_layers hidden layers then the output layer; residual = input layer,
// 2 per block, output layer.
Count mlp(double in, double out, double hidden, int num_layers, bool residual) {
  Count c;
  if (residual) {
    c.dense(in, hidden);
    for (int b = 0; b < num_layers; ++b) {
      c.dense(hidden, hidden);
      c.dense(hidden, hidden);
    }
    c.dense(hidden, out);
  } else {
    double width = in;
    for (int l = 0; l < num_layers; ++l) {
      c.dense(width, hidden);
      width = hidden;
    }
    c.dense(width, out);
  }
  return c;
}

void add(const Count& part, double times, Count* total) { total->weights += times * part.weights; }

}  // namespace

ModelSize estimate_model_size(const ModelOptions& options, int theta_dim, int x_dim,
                              const core::DataShape& x_shape) {
  Count total;
  double context = x_dim;
  const int e_hidden = options.embedding_hidden, e_layers = options.embedding_layers;
  if (options.embedding == EmbeddingKind::kMlp) {
    add(mlp(x_dim, options.embedding_dim, e_hidden, e_layers, false), 1, &total);
    context = options.embedding_dim;
  } else if (options.embedding == EmbeddingKind::kDeepSets && x_shape.is_set()) {
    const double f = x_shape.features, phi_dim = options.embedding_hidden;
    const double pooled = (options.pooling == nn::Pooling::kMeanAndSum ? 2 : 1) * phi_dim +
                          (options.set_norm ? 2 * f : 0);
    add(mlp(f, phi_dim, e_hidden, e_layers, false), 1, &total);
    add(mlp(pooled, options.embedding_dim, e_hidden, e_layers, false), 1, &total);
    context = options.embedding_dim;
  } else if (options.embedding == EmbeddingKind::kCnn && x_shape.is_image()) {
    const nn::CnnOptions cnn = cnn_options(options, x_shape);
    double in = cnn.channels;
    for (int out : cnn.block_channels) {  // k x k filters and a bias per output channel
      total.weights += out * (in * cnn.kernel * cnn.kernel + 1);
      in = out;
    }
    add(mlp(cnn.readout_dim(), options.embedding_dim, e_hidden, e_layers, false), 1, &total);
    context = options.embedding_dim;
  }
  const sbi::DensityOptions& density = options.density;
  const double d = theta_dim, h = density.hidden;
  if (density.kind == sbi::DensityKind::kCNF || density.kind == sbi::DensityKind::kScore) {
    flows::VectorFieldOptions field;  // the CNF's field, the score model's noise predictor
    field.num_frequencies = density.num_frequencies;
    const double null_flag = density.kind == sbi::DensityKind::kScore && density.guidance_dropout > 0;
    add(mlp(field.time_features() + d + context + null_flag, d, h, density.layers, true), 1, &total);
  } else {  // coupling flows: each layer's conditioner maps (kept half, context) to the map's
            // parameters for the transformed half (flows/coupling_flow.cc)
    const double per = density.kind == sbi::DensityKind::kNSF ? 3.0 * density.bins - 1 : 2.0;
    const double small = theta_dim / 2, large = theta_dim - theta_dim / 2;
    const double t = density.transforms;
    if (theta_dim == 1) {  // every layer transforms the one dimension from the context alone
      add(mlp(context, per, h, density.layers, true), t, &total);
    } else {  // even layers keep the first d/2 (of a permutation), odd ones the rest
      const double evens = density.transforms - density.transforms / 2;
      add(mlp(small + context, per * large, h, density.layers, true), evens, &total);
      add(mlp(large + context, per * small, h, density.layers, true), t - evens, &total);
    }
  }
  ModelSize size;
  size.weights = total.weights;
  char embedding[120] = "none";
  if (options.embedding != EmbeddingKind::kNone)
    std::snprintf(embedding, sizeof embedding, "%s of width %d to %d",
                  embedding_kind_name(options.embedding).c_str(),
                  options.embedding_hidden, options.embedding_dim);
  char text[320];
  std::snprintf(text, sizeof text,
                "the %s network (%d transforms of width %d with %d blocks, embedding %s; %.3g "
                "weights, with their gradients and Adam moments)",
                sbi::density_kind_name(density.kind).c_str(), density.transforms, density.hidden,
                density.layers,
                embedding, size.weights);
  size.description = text;
  return size;
}

}  // namespace sbi
