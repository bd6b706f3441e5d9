#include "vae/beta_control.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"

namespace sbi::vae {

namespace {
std::string number(double v) {
  char s[32];
  std::snprintf(s, sizeof s, "%g", v);
  return s;
}
}  // namespace

bool BetaOptions::is_valid(std::string* error) const {
  auto fail = [&](const std::string& what) {
    if (error) *error = what;
    return false;
  };
  if (!(std::isfinite(beta) && beta >= 0)) return fail("--beta " + number(beta) + " must be finite and >= 0");
  if ((kind == BetaScheduleKind::kWarmup || kind == BetaScheduleKind::kCyclical) && epochs < 1)
    return fail("--beta-schedule: the number of epochs must be >= 1, got " + std::to_string(epochs));
  if (kind == BetaScheduleKind::kTargetRate && !(std::isfinite(target_rate) && target_rate > 0))
    return fail("--target-rate " + number(target_rate) + " must be finite and > 0 (nats)");
  if (!(kp >= 0 && ki >= 0 && beta_min >= 0 && beta_max > beta_min))
    return fail("the rate controller needs kp, ki, beta_min >= 0 and beta_max > beta_min");
  return true;
}

std::string BetaOptions::describe() const {
  switch (kind) {
    case BetaScheduleKind::kConstant: return "constant beta " + number(beta);
    case BetaScheduleKind::kWarmup:
      return "beta warmed up linearly to " + number(beta) + " over " + std::to_string(epochs) + " epochs";
    case BetaScheduleKind::kCyclical:
      return "cyclical beta (0 to " + number(beta) + " over half of every " + std::to_string(epochs) +
             " epochs)";
    case BetaScheduleKind::kTargetRate:
      return "beta steered to a rate of " + number(target_rate) + " nats (PI controller, kp " +
             number(kp) + ", ki " + number(ki) + ")";
  }
  return "?";
}

BetaOptions parse_beta_schedule(const std::string& text, double beta) {
  BetaOptions o;
  o.beta = beta;
  const size_t colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  const std::string expected = " (expected warmup:E or cyclical:E, E epochs)";
  core::check(colon != std::string::npos && (kind == "warmup" || kind == "cyclical"),
              "--beta-schedule '" + text + "' is not a schedule" + expected);
  o.kind = kind == "warmup" ? BetaScheduleKind::kWarmup : BetaScheduleKind::kCyclical;
  const std::string count = text.substr(colon + 1);
  char* end = nullptr;
  const long e = std::strtol(count.c_str(), &end, 10);
  core::check(!count.empty() && *end == '\0' && e >= 1 && e <= 1000000,
              "--beta-schedule '" + text + "': '" + count + "' is not a number of epochs >= 1" + expected);
  o.epochs = static_cast<int>(e);
  return o;
}

BetaControl::BetaControl(const BetaOptions& options) : options_(options) {
  core::check_valid(options_, "beta");
  beta_ = options_.beta;
  // The controller starts from β (1 by default): the integral holds β - β_min.
  if (options_.kind == BetaScheduleKind::kTargetRate) {
    beta_ = std::clamp(options_.beta, options_.beta_min, options_.beta_max);
    integral_ = beta_ - options_.beta_min;
  }
}

double BetaControl::begin_epoch(int epoch) {
  const double e = static_cast<double>(epoch), n = static_cast<double>(options_.epochs);
  switch (options_.kind) {
    case BetaScheduleKind::kConstant: beta_ = options_.beta; break;
    case BetaScheduleKind::kWarmup: beta_ = options_.beta * std::min(1.0, e / n); break;
    case BetaScheduleKind::kCyclical: {
      const double tau = static_cast<double>((epoch - 1) % options_.epochs) / n;  // in [0, 1)
      beta_ = options_.beta * std::min(1.0, tau / 0.5);
      break;
    }
    case BetaScheduleKind::kTargetRate: break;
  }
  return beta_;
}

void BetaControl::after_batch(double rate) {
  if (options_.kind != BetaScheduleKind::kTargetRate || !std::isfinite(rate)) return;
  const double error = (options_.target_rate - rate) / options_.target_rate;
  const double proportional = options_.kp / (1.0 + std::exp(error));
  const double unclamped = options_.beta_min + proportional + integral_ - options_.ki * error;
  // Anti-windup: integrate only while the result stays inside the bounds.
  if (unclamped > options_.beta_min && unclamped < options_.beta_max) integral_ -= options_.ki * error;
  beta_ = std::clamp(options_.beta_min + proportional + integral_, options_.beta_min, options_.beta_max);
}

double BetaControl::reference_beta() const {
  return options_.kind == BetaScheduleKind::kTargetRate ? beta_ : options_.beta;
}

}  // namespace sbi::vae
