// The weight β of the rate in a VAE's loss, distortion + β · rate (Higgins et al. 2017),
// set per epoch by a schedule or steered per batch by a controller:
//
//   constant      β every epoch (β = 1: the ELBO itself).
//   warmup:E      β · min(1, e / E) at epoch e: from ~0 to β over E epochs (Bowman et al.
//                 2016; Sønderby et al. 2016), so the decoder learns before the rate is taxed.
//   cyclical:E    cycles of E epochs; in each, β rises linearly over the first half and stays
//                 at β for the second (Fu et al. 2019, R = 0.5).
//   target rate R a PI controller steers β after every batch so that the rate approaches R
//                 nats (ControlVAE, Shao et al. 2020, eq. 5 with the error taken relative to
//                 R):  e = (R - rate) / R,  I ← I - K_i e,
//                      β = clamp(β_min + K_p / (1 + exp(e)) + I, β_min, β_max),
//                 the integral frozen while β sits on a bound (anti-windup), starting from
//                 β (--beta, default 1). A rate above R gives e < 0: β grows, and the rate
//                 falls.
#pragma once

#include <string>

namespace sbi::vae {

enum class BetaScheduleKind { kConstant = 0, kWarmup = 1, kCyclical = 2, kTargetRate = 3 };

struct BetaOptions {
  BetaScheduleKind kind = BetaScheduleKind::kConstant;
  double beta = 1.0;         // constant, and the top of warmup and cyclical
  int epochs = 10;           // warmup length or cycle length
  double target_rate = 0;    // nats per sample, > 0 for kTargetRate
  double kp = 0.01, ki = 0.05;  // per batch, on the relative error
  double beta_min = 0.0, beta_max = 100.0;
  bool is_valid(std::string* error) const;
  // "constant 1", "warmup over 10 epochs to 1", "cyclical ...", "target rate 20 nats (PI ...)".
  std::string describe() const;
};

// Parses --beta-schedule's value: "warmup:E" or "cyclical:E" (E >= 1 epochs). Throws
// core::Error naming the accepted forms.
BetaOptions parse_beta_schedule(const std::string& text, double beta);

class BetaControl {
 public:
  explicit BetaControl(const BetaOptions& options);
  const BetaOptions& options() const { return options_; }
  // β for epoch `epoch` (1, 2, ...) of a schedule; the controller keeps its current β.
  double begin_epoch(int epoch);
  // The controller's update from the rate of the batch just trained on; schedules ignore it.
  void after_batch(double rate);
  double beta() const { return beta_; }
  // The β that early stopping weighs the validation rate with: the schedule's top β (so
  // that warm-up epochs do not look like progress), or the controller's current β.
  double reference_beta() const;

  // The controller's state (β and the integral), for training checkpoints.
  double integral() const { return integral_; }
  void set_state(double beta, double integral) {
    beta_ = beta;
    integral_ = integral;
  }

 private:
  BetaOptions options_;
  double beta_ = 1.0;
  double integral_ = 0.0;
};

}  // namespace sbi::vae
