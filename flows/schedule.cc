#include "flows/schedule.h"

#include <cmath>

#include "core/enum_names.h"
#include "core/error.h"

namespace sbi::flows {

namespace {
const core::EnumNames<ScheduleKind>& schedule_kinds() {
  static const core::EnumNames<ScheduleKind> names("schedule", {"ot", "vp", "subvp", "ve"});
  return names;
}
}  // namespace

ScheduleKind parse_schedule_kind(const std::string& name) { return schedule_kinds().parse(name); }
std::string schedule_kind_name(ScheduleKind value) { return schedule_kinds().name(value); }
std::vector<std::string> schedule_kind_names() { return schedule_kinds().names(); }

bool ScheduleOptions::is_valid(std::string* error) const {
  if (static_cast<int>(kind) < 0 || static_cast<int>(kind) > static_cast<int>(ScheduleKind::kVarianceExploding))
    *error = "ScheduleOptions::kind = " + std::to_string(static_cast<int>(kind)) + " is not a schedule";
  else if (!(sigma_min >= 0 && sigma_min < 1))
    *error = "ScheduleOptions::sigma_min = " + std::to_string(sigma_min) + " must be in [0, 1)";
  else if (!(vp_beta_min > 0))
    *error = "ScheduleOptions::vp_beta_min = " + std::to_string(vp_beta_min) + " must be > 0";
  else if (!(vp_beta_max >= vp_beta_min))
    *error = "ScheduleOptions::vp_beta_max = " + std::to_string(vp_beta_max) +
             " must be >= vp_beta_min";
  else if (!(vp_s_min > 0 && vp_s_min < 1))
    *error = "ScheduleOptions::vp_s_min = " + std::to_string(vp_s_min) + " must be in (0, 1)";
  else if (!(ve_sigma_min > 0 && std::isfinite(ve_sigma_min)))
    *error = "ScheduleOptions::ve_sigma_min = " + std::to_string(ve_sigma_min) + " must be > 0";
  else if (!(ve_sigma_max > ve_sigma_min && std::isfinite(ve_sigma_max)))
    *error = "ScheduleOptions::ve_sigma_max = " + std::to_string(ve_sigma_max) +
             " must be finite and > ve_sigma_min";
  else return true;
  return false;
}

Schedule::Schedule(const ScheduleOptions& options) : options_(options) {
  core::check_valid(options, "Schedule");
}

void set_schedule_hyperparameters(const ScheduleOptions& o, core::Hyperparameters* h) {
  h->set("schedule", schedule_kind_name(o.kind));
  h->set("sigma_min", o.sigma_min);
  h->set("vp_beta_min", o.vp_beta_min);
  h->set("vp_beta_max", o.vp_beta_max);
  h->set("vp_s_min", o.vp_s_min);
  h->set("ve_sigma_min", o.ve_sigma_min);
  h->set("ve_sigma_max", o.ve_sigma_max);
}

ScheduleOptions schedule_from_hyperparameters(const core::Hyperparameters& h) {
  ScheduleOptions o;
  o.kind = h.get_enum("schedule", parse_schedule_kind, schedule_kind_names());
  o.sigma_min = h.get_double("sigma_min");
  o.vp_beta_min = h.get_double("vp_beta_min");
  o.vp_beta_max = h.get_double("vp_beta_max");
  o.vp_s_min = h.get_double("vp_s_min");
  // Model files from before the VE path have no VE keys (and do not use them).
  if (h.has("ve_sigma_min")) o.ve_sigma_min = h.get_double("ve_sigma_min");
  if (h.has("ve_sigma_max")) o.ve_sigma_max = h.get_double("ve_sigma_max");
  return o;
}

PathCoefficients Schedule::at(double t) const {
  PathCoefficients c;
  const ScheduleOptions& o = options_;
  switch (o.kind) {
    case ScheduleKind::kOptimalTransport:
      // Lipman et al. 2023, Sec. 4.1 Example II, with x_0 = ε: μ_t = t x_1, σ_t = 1 - (1 - σ_min) t.
      c.alpha = t;
      c.beta = 1.0 - (1.0 - o.sigma_min) * t;
      c.d_alpha = 1.0;
      c.d_beta = -(1.0 - o.sigma_min);
      return c;
    case ScheduleKind::kVarianceExploding: {
      // Song et al. 2021, eq. 9 and App. B: σ(s) = σ_min (σ_max / σ_min)^s, s = 1 - t.
      const double log_ratio = std::log(o.ve_sigma_max / o.ve_sigma_min);
      c.alpha = 1.0;
      c.d_alpha = 0.0;
      c.beta = o.ve_sigma_min * std::exp(log_ratio * (1.0 - t));
      c.d_beta = -log_ratio * c.beta;
      return c;
    }
    case ScheduleKind::kVariancePreserving:
    case ScheduleKind::kSubVariancePreserving:
      break;
  }
  // VP and sub-VP (Song et al. 2021, App. B) at SDE time s = 1 - (1 - s_min) t, ds/dt = -(1 - s_min).
  const double ds_dt = -(1.0 - o.vp_s_min);
  const double s = 1.0 + ds_dt * t;
  const double beta_s = o.vp_beta_min + s * (o.vp_beta_max - o.vp_beta_min);  // T'(s)
  const double big_t = o.vp_beta_min * s + 0.5 * (o.vp_beta_max - o.vp_beta_min) * s * s;
  c.alpha = std::exp(-0.5 * big_t);
  // dα/dt = -T'(s)/2 α ds/dt.
  c.d_alpha = -0.5 * beta_s * c.alpha * ds_dt;
  if (o.kind == ScheduleKind::kVariancePreserving) {
    c.beta = std::sqrt(-std::expm1(-big_t));  // 1 - e^{-T} without cancellation near t = 1
    // From α^2 + β^2 = 1: dβ/dt = -α α' / β.
    c.d_beta = -c.alpha * c.d_alpha / c.beta;
  } else {
    c.beta = -std::expm1(-big_t);
    c.d_beta = c.alpha * c.alpha * beta_s * ds_dt;  // d(1 - e^{-T})/dt = e^{-T} T'(s) ds/dt
  }
  return c;
}

Schedule::Sde Schedule::sde(double t) const {
  core::check(options_.is_sde(), "Schedule::sde: the ot path is not the marginal of an SDE");
  const PathCoefficients c = at(t);
  Sde out;
  out.drift = c.d_alpha / c.alpha;
  out.diffusion_sq = 2.0 * c.beta * (out.drift * c.beta - c.d_beta);
  return out;
}

double Schedule::base_std() const {
  const PathCoefficients c = at(0.0);
  return std::sqrt(c.alpha * c.alpha + c.beta * c.beta);
}

double Schedule::log_snr(double t) const {
  const PathCoefficients c = at(t);
  return 2.0 * (std::log(c.alpha) - std::log(c.beta));
}

double Schedule::time_of_log_snr(double lambda) const {
  double lo = 0.0, hi = 1.0;
  if (lambda <= log_snr(lo)) return lo;
  if (lambda >= log_snr(hi)) return hi;
  // 60 halvings of [0, 1]: the time to 1e-18, below double resolution near 1.
  for (int k = 0; k < 60; ++k) {
    const double mid = 0.5 * (lo + hi);
    (log_snr(mid) < lambda ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace sbi::flows
