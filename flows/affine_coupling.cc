#include "flows/affine_coupling.h"

#include "core/error.h"

namespace sbi::flows {

AffineCoupling::AffineCoupling(std::vector<int> identity, std::vector<int> transformed,
                               int context_dim, nn::MlpOptions net_options, double log_scale_clamp,
                               core::Rng* rng)
    : identity_(std::move(identity)),
      transformed_(std::move(transformed)),
      context_dim_(context_dim),
      clamp_(log_scale_clamp) {
  core::check(!transformed_.empty(), "AffineCoupling: no dimension to transform");
  core::check(clamp_ > 0, "AffineCoupling: log_scale_clamp must be > 0");
  net_options.in = static_cast<int>(identity_.size()) + context_dim_;
  net_options.out = 2 * static_cast<int>(transformed_.size());
  net_ = nn::Mlp(net_options, rng);
}

void AffineCoupling::conditioner(const Matrix& u, const Matrix& context, CouplingCache* c) const {
  const int na = static_cast<int>(identity_.size());
  const int nb = static_cast<int>(transformed_.size());
  c->net_input.resize(na + context_dim_, u.cols());
  if (na > 0) c->net_input.topRows(na) = u(identity_, Eigen::all);
  if (context_dim_ > 0) c->net_input.bottomRows(context_dim_) = context;
  const Matrix& out = net_.forward(c->net_input, &c->net);
  c->s = (clamp_ * (out.topRows(nb).array() / clamp_).tanh()).matrix();
  c->exp_s = c->s.array().exp().matrix();
}

void AffineCoupling::forward(const Matrix& u, const Matrix& context, Matrix* z, Matrix* log_det,
                             CouplingCache* c) const {
  conditioner(u, context, c);
  const int nb = static_cast<int>(transformed_.size());
  c->u_b = u(transformed_, Eigen::all);
  *z = u;
  (*z)(transformed_, Eigen::all) =
      (c->u_b.array() * c->exp_s.array() + c->net.output.bottomRows(nb).array()).matrix();
  *log_det += c->s.colwise().sum();
}

void AffineCoupling::inverse(const Matrix& z, const Matrix& context, Matrix* u,
                             CouplingCache* c) const {
  // u_A = z_A, so the conditioner sees the same input as in forward.
  conditioner(z, context, c);
  const int nb = static_cast<int>(transformed_.size());
  *u = z;
  (*u)(transformed_, Eigen::all) =
      ((z(transformed_, Eigen::all).array() - c->net.output.bottomRows(nb).array()) /
       c->exp_s.array()).matrix();
}

void AffineCoupling::backward(CouplingCache* c, const Matrix& grad_log_det, Matrix* grad,
                              Matrix* grad_context, bool param_grads) {
  const int na = static_cast<int>(identity_.size());
  const int nb = static_cast<int>(transformed_.size());
  const Matrix grad_zb = (*grad)(transformed_, Eigen::all);
  // d/dt = g_zB; d/ds = g_zB * u_B * e^s + g_logdet; d/ds_raw = d/ds * (1 - tanh^2).
  c->grad_net_out.resize(2 * nb, grad->cols());
  auto tanh_sq = (c->s.array() / clamp_).square();
  c->grad_net_out.topRows(nb).array() =
      (grad_zb.array() * c->u_b.array() * c->exp_s.array() +
       grad_log_det.replicate(nb, 1).array()) *
      (1.0 - tanh_sq);
  c->grad_net_out.bottomRows(nb) = grad_zb;
  (*grad)(transformed_, Eigen::all) = (grad_zb.array() * c->exp_s.array()).matrix();
  net_.backward(&c->net, c->grad_net_out, &c->grad_net_in, param_grads);
  if (na > 0) (*grad)(identity_, Eigen::all) += c->grad_net_in.topRows(na);
  if (grad_context != nullptr && context_dim_ > 0) *grad_context += c->grad_net_in.bottomRows(context_dim_);
}

}  // namespace sbi::flows
