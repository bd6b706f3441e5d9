#include "flows/schedule.h"

#include <cmath>

#include "core/enum_names.h"
#include "core/error.h"

namespace sbi::flows {

namespace {
const core::EnumNames<ScheduleKind>& schedule_kinds() {
  static const core::EnumNames<ScheduleKind> names("schedule", {"ot", "vp"});
  return names;
}
}  // namespace

ScheduleKind parse_schedule_kind(const std::string& name) { return schedule_kinds().parse(name); }
std::string schedule_kind_name(ScheduleKind value) { return schedule_kinds().name(value); }
std::vector<std::string> schedule_kind_names() { return schedule_kinds().names(); }

bool ScheduleOptions::is_valid(std::string* error) const {
  if (kind != ScheduleKind::kOptimalTransport && kind != ScheduleKind::kVariancePreserving)
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
  else return true;
  return false;
}

Schedule::Schedule(const ScheduleOptions& options) : options_(options) {
  core::check_valid(options, "Schedule");
}

PathCoefficients Schedule::at(double t) const {
  PathCoefficients c;
  const ScheduleOptions& o = options_;
  if (o.kind == ScheduleKind::kOptimalTransport) {
    // Lipman et al. 2023, Sec. 4.1 Example II, with x_0 = ε: μ_t = t x_1, σ_t = 1 - (1 - σ_min) t.
    c.alpha = t;
    c.beta = 1.0 - (1.0 - o.sigma_min) * t;
    c.d_alpha = 1.0;
    c.d_beta = -(1.0 - o.sigma_min);
    return c;
  }
  // VP (Song et al. 2021, App. B) at SDE time s = 1 - (1 - s_min) t, ds/dt = -(1 - s_min).
  const double ds_dt = -(1.0 - o.vp_s_min);
  const double s = 1.0 + ds_dt * t;
  const double beta_s = o.vp_beta_min + s * (o.vp_beta_max - o.vp_beta_min);  // T'(s)
  const double big_t = o.vp_beta_min * s + 0.5 * (o.vp_beta_max - o.vp_beta_min) * s * s;
  c.alpha = std::exp(-0.5 * big_t);
  c.beta = std::sqrt(-std::expm1(-big_t));  // 1 - e^{-T} without cancellation near t = 1
  // dα/dt = -T'(s)/2 α ds/dt; from α^2 + β^2 = 1, dβ/dt = -α α' / β.
  c.d_alpha = -0.5 * beta_s * c.alpha * ds_dt;
  c.d_beta = -c.alpha * c.d_alpha / c.beta;
  return c;
}

}  // namespace sbi::flows
