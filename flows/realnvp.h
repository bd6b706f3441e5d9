// Conditional RealNVP (Dinh et al. 2017): a stack of conditional affine couplings on a
// standard normal base, q(theta | c) = N(f(theta; c); 0, I) |det df/dtheta|.
//
// Coupling layers come in pairs with complementary partitions (A, B) then (B, A), so every
// dimension is transformed in every pair; pair p > 0 draws its partition from a fixed
// random permutation (seeded), so dimensions mix across pairs. For theta_dim = 1 every
// layer is a conditional elementwise affine map (A empty).
#pragma once

#include <vector>

#include "flows/affine_coupling.h"
#include "flows/conditional_density.h"

namespace sbi::flows {

struct RealNVPOptions {
  int theta_dim = 0;
  int context_dim = 0;
  int num_transforms = 5;      // coupling layers
  int hidden = 64;             // conditioner width
  int num_blocks = 2;          // residual blocks (or hidden layers) per conditioner
  bool residual = true;        // residual conditioner (nflows ResidualNet) or plain MLP
  nn::Activation activation = nn::Activation::kReLU;
  double log_scale_clamp = 3.0;  // |s| < clamp: each layer scales by at most e^3
  std::uint64_t seed = 0;      // initial weights and partitions

  bool is_valid(std::string* error) const;
  Hyperparameters to_hyperparameters() const;
  static RealNVPOptions from_hyperparameters(const Hyperparameters& h);
};

struct RealNVPCache {
  std::vector<Matrix> u;  // input of each layer
  std::vector<CouplingCache> layers;
  Matrix z, log_det;
};

class RealNVP : public ConditionalDensity {
 public:
  explicit RealNVP(const RealNVPOptions& options);

  std::string kind() const override { return "realnvp"; }
  int theta_dim() const override { return options_.theta_dim; }
  int context_dim() const override { return options_.context_dim; }
  Hyperparameters hyperparameters() const override { return options_.to_hyperparameters(); }

  Vector log_prob(const Matrix& theta, const Matrix& context) const override;
  Matrix sample(const Matrix& context, core::Rng* rng, Vector* log_prob) const override;
  double loss_and_gradient(const Matrix& theta, const Matrix& context,
                           Matrix* grad_context) override;
  Vector log_prob_and_gradient(const Matrix& theta, const Matrix& context,
                               Matrix* grad_theta) override;
  nn::Parameters parameters() override;

  // theta -> z with the summed log|det J| (1 x N), in cache->z and cache->log_det.
  void forward(const Matrix& theta, const Matrix& context, RealNVPCache* cache) const;
  // z -> theta; adds log|det d theta / d z| (1 x N) into *log_det unless null.
  Matrix inverse(const Matrix& z, const Matrix& context, Matrix* log_det = nullptr) const;

 private:
  void check_shapes(const char* function, const Matrix* theta, const Matrix& context) const;
  // Back-propagates -sum_j w log q_j from the last forward(), w = weight; writes d/dtheta.
  void backward(RealNVPCache* cache, double weight, Matrix* grad_theta, Matrix* grad_context,
                bool param_grads);

  RealNVPOptions options_;
  std::vector<AffineCoupling> layers_;
  RealNVPCache train_cache_;
};

}  // namespace sbi::flows
