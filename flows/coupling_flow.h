// A conditional coupling flow on a standard normal base,
//
//   q(theta | c) = N(f(theta; c); 0, I) |det df/dtheta|,   f = f_K o ... o f_1,
//
// each f_k a CouplingLayer over one elementwise map shared by all layers. RealNVP (Affine)
// and NSF (RationalQuadraticSpline) are this class with a different map: same partitions,
// base, caching and parallel chunking.
//
// Coupling layers come in pairs with complementary partitions (A, B) then (B, A), so every
// dimension is transformed in every pair; pair p > 0 draws its partition from a fixed
// random permutation (seeded), so dimensions mix across pairs. For theta_dim = 1 every
// layer is a conditional elementwise map (A empty).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "flows/conditional_density.h"
#include "flows/coupling.h"

namespace sbi::flows {

// The precision of a flow's inference passes (sample, log_prob on 64 or more columns): the
// conditioners' matrix products in double, or in float (nn/float_mlp.h) with the maps and
// log|det| in double. The training passes have their own (training_precision below).
using InferencePrecision = nn::Precision;

// What every coupling flow's options hold; RealNVPOptions and NSFOptions add their map's.
struct CouplingFlowOptions {
  int theta_dim = 0;
  int context_dim = 0;
  int num_transforms = 5;      // coupling layers
  int hidden = 64;             // conditioner width
  int num_blocks = 2;          // residual blocks (or hidden layers) per conditioner
  bool residual = true;        // residual conditioner (nflows ResidualNet) or plain MLP
  nn::Activation activation = nn::Activation::kReLU;
  std::uint64_t seed = 0;      // initial weights and partitions
  InferencePrecision inference_precision = InferencePrecision::kFloat64;
  // The conditioners' arithmetic in the training passes (loss_and_gradient, train_log_prob;
  // nn/mlp.h): float32 runs their products and activations in float; the weights, the maps,
  // log|det| and Adam's moments stay double. Every other pass keeps its own precision.
  nn::Precision training_precision = nn::Precision::kFloat64;

  // `type` names the options struct in the message, e.g. "RealNVPOptions".
  bool is_valid(const char* type, std::string* error) const;
  // Writes / reads the fields above (keys as the field names).
  void to_hyperparameters(Hyperparameters* h) const;
  void from_hyperparameters(const Hyperparameters& h);
};

struct CouplingFlowCache {
  std::vector<Matrix> u;  // input of each layer
  std::vector<CouplingCache> layers;
  Matrix z, log_det;
};

class CouplingFlow : public ConditionalDensity {
 public:
  // `map` is owned by the flow and shared by its layers; `name` prefixes error messages
  // ("RealNVP::log_prob: ...").
  CouplingFlow(const CouplingFlowOptions& options, std::unique_ptr<ElementwiseMap> map,
               std::string name);

  int theta_dim() const override { return options_.theta_dim; }
  int context_dim() const override { return options_.context_dim; }

  Vector log_prob(const Matrix& theta, const Matrix& context) const override;
  Matrix sample(const Matrix& context, core::Rng* rng, Vector* log_prob) const override;
  double loss_and_gradient(const Matrix& theta, const Matrix& context,
                           Matrix* grad_context) override;
  Vector log_prob_and_gradient(const Matrix& theta, const Matrix& context,
                               Matrix* grad_theta) override;
  Vector train_log_prob(const Matrix& theta, const Matrix& context) override;
  void add_log_prob_gradient(const Vector& weights, Matrix* grad_context) override;
  nn::Parameters parameters() override;
  nn::Precision training_precision() const override { return options_.training_precision; }

  // theta -> z with the summed log|det J| (1 x N), in cache->z and cache->log_det, keeping
  // every layer's intermediates for backward(); the conditioners' passes in `precision`
  // (the training ones in training_precision, all others in double).
  void forward(const Matrix& theta, const Matrix& context, CouplingFlowCache* cache,
               nn::Precision precision = nn::Precision::kFloat64) const;
  // theta -> z; adds log|det d z / d theta| (1 x N) into *log_det. Keeps nothing for
  // backward: one layer's scratch is reused by all layers (log_prob's pass).
  Matrix to_base(const Matrix& theta, const Matrix& context, Matrix* log_det) const;
  // z -> theta; adds log|det d theta / d z| (1 x N) into *log_det unless null.
  Matrix inverse(const Matrix& z, const Matrix& context, Matrix* log_det = nullptr) const;

  // to_base and inverse with the conditioners in single precision (`nets`: float_nets()).
  std::vector<nn::FloatMlp> float_nets() const;
  Matrix to_base(const std::vector<nn::FloatMlp>& nets, const Matrix& theta, const Matrix& context,
                 Matrix* log_det) const;
  Matrix inverse(const std::vector<nn::FloatMlp>& nets, const Matrix& z, const Matrix& context,
                 Matrix* log_det) const;

  const ElementwiseMap& map() const { return *map_; }
  InferencePrecision inference_precision() const { return options_.inference_precision; }
  void set_inference_precision(InferencePrecision p) { options_.inference_precision = p; }

 private:
  // Whether sample / log_prob on this many columns run their conditioners in float.
  bool runs_in_float(Eigen::Index columns) const;
  // Back-propagates -sum_j w_j log q_j from the last forward(), w_j = weights[j] (or `weight`
  // for every j); writes d/dtheta.
  void backward(CouplingFlowCache* cache, double weight, Matrix* grad_theta, Matrix* grad_context,
                bool param_grads);
  void backward(CouplingFlowCache* cache, const Eigen::RowVectorXd& weights, Matrix* grad_theta,
                Matrix* grad_context, bool param_grads);

  CouplingFlowOptions options_;
  std::unique_ptr<ElementwiseMap> map_;
  std::string name_;
  std::vector<CouplingLayer> layers_;
  CouplingFlowCache train_cache_;
};

}  // namespace sbi::flows
