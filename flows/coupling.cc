#include "flows/coupling.h"

#include "core/error.h"

namespace sbi::flows {

CouplingLayer::CouplingLayer(std::vector<int> identity, std::vector<int> transformed,
                             int context_dim, nn::MlpOptions net_options, const ElementwiseMap* map,
                             core::Rng* rng)
    : identity_(std::move(identity)),
      transformed_(std::move(transformed)),
      context_dim_(context_dim),
      map_(map) {
  core::check(!transformed_.empty(), "CouplingLayer: no dimension to transform");
  core::check(map_ != nullptr, "CouplingLayer: no elementwise map");
  net_options.in = static_cast<int>(identity_.size()) + context_dim_;
  net_options.out = map_->num_params() * static_cast<int>(transformed_.size());
  net_ = nn::Mlp(net_options, rng);
}

void CouplingLayer::conditioner(const Matrix& u, const Matrix& context, CouplingCache* c) const {
  const int na = static_cast<int>(identity_.size());
  c->net_input.resize(na + context_dim_, u.cols());
  if (na > 0) c->net_input.topRows(na) = u(identity_, Eigen::all);
  if (context_dim_ > 0) c->net_input.bottomRows(context_dim_) = context;
  net_.forward(c->net_input, &c->net);
}

void CouplingLayer::apply_map(bool inverse, const Matrix& params, const Matrix& in, Matrix* out,
                              Matrix* log_det, Matrix* in_b, Matrix* out_b) const {
  *in_b = in(transformed_, Eigen::all);
  if (inverse) map_->inverse(params, *in_b, out_b, log_det);
  else map_->forward(params, *in_b, out_b, log_det);
  *out = in;
  (*out)(transformed_, Eigen::all) = *out_b;
}

void CouplingLayer::forward(const Matrix& u, const Matrix& context, Matrix* z, Matrix* log_det,
                            CouplingCache* c) const {
  conditioner(u, context, c);
  apply_map(false, c->net.output, u, z, log_det, &c->u_b, &c->z_b);
}

void CouplingLayer::inverse(const Matrix& z, const Matrix& context, Matrix* u, Matrix* log_det,
                            CouplingCache* c) const {
  // u_A = z_A, so the conditioner sees the same input as in forward.
  conditioner(z, context, c);
  apply_map(true, c->net.output, z, u, log_det, &c->z_b, &c->u_b);
}

void CouplingLayer::conditioner(const nn::FloatMlp& net, const Matrix& u, const nn::MatrixF& context,
                                FloatCouplingCache* c) const {
  const int na = static_cast<int>(identity_.size());
  c->net_input.resize(na + context_dim_, u.cols());
  if (na > 0) c->net_input.topRows(na) = u(identity_, Eigen::all).cast<float>();
  if (context_dim_ > 0) c->net_input.bottomRows(context_dim_) = context;
  c->params = net.forward(c->net_input, &c->net).cast<double>();
}

void CouplingLayer::forward(const nn::FloatMlp& net, const Matrix& u, const nn::MatrixF& context, Matrix* z,
                            Matrix* log_det, FloatCouplingCache* c) const {
  conditioner(net, u, context, c);
  apply_map(false, c->params, u, z, log_det, &c->u_b, &c->z_b);
}

void CouplingLayer::inverse(const nn::FloatMlp& net, const Matrix& z, const nn::MatrixF& context, Matrix* u,
                            Matrix* log_det, FloatCouplingCache* c) const {
  conditioner(net, z, context, c);
  apply_map(true, c->params, z, u, log_det, &c->z_b, &c->u_b);
}

void CouplingLayer::backward(CouplingCache* c, const Matrix& grad_log_det, Matrix* grad,
                             Matrix* grad_context, bool param_grads) {
  const int na = static_cast<int>(identity_.size());
  c->grad_z_b = (*grad)(transformed_, Eigen::all);
  map_->backward(c->net.output, c->u_b, c->grad_z_b, grad_log_det, &c->grad_u_b, &c->grad_net_out);
  (*grad)(transformed_, Eigen::all) = c->grad_u_b;
  net_.backward(&c->net, c->grad_net_out, &c->grad_net_in, param_grads);
  if (na > 0) (*grad)(identity_, Eigen::all) += c->grad_net_in.topRows(na);
  if (grad_context != nullptr && context_dim_ > 0)
    *grad_context += c->grad_net_in.bottomRows(context_dim_);
}

}  // namespace sbi::flows
