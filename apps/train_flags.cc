#include "apps/train_flags.h"

namespace sbi::app {
namespace {

const char* const kModelFlags[] = {
    "estimator", "transforms", "hidden", "layers", "activation", "bins", "bound", "path",
    "sigma-min", "time-prior-exponent", "frequencies", "ode-solver", "ode-steps", "ode-tol",
    "trace", "embedding", "embedding-dim", "embedding-hidden", "embedding-layers", "pooling",
    "cnn-channels", "cnn-kernel", "cnn-pooling", "cnn-readout", "seed"};
const char* const kTrainFlags[] = {"batch-size", "lr", "max-epochs", "patience", "lr-plateau",
                                   "min-lr", "validation-fraction", "clip-grad-norm",
                                   "pretrain-epochs"};

}  // namespace

std::set<std::string> with_train_flags(std::set<std::string> others) {
  others.insert(std::begin(kModelFlags), std::end(kModelFlags));
  others.insert(std::begin(kTrainFlags), std::end(kTrainFlags));
  return others;
}

std::set<std::string> train_switches() { return {"no-set-norm"}; }

ModelOptions model_options_from(const Flags& flags) {
  ModelOptions m;
  m.density = flows::default_density_options(
      flags.get_choice("estimator", m.density.kind, flows::parse_density_kind));
  flows::DensityOptions& d = m.density;
  d.transforms = flags.get_int32("transforms", d.transforms);
  d.hidden = flags.get_int32("hidden", d.hidden);
  d.layers = flags.get_int32("layers", d.layers);
  if (flags.has("activation"))
    d.activation = flags.get_choice("activation", nn::Activation::kReLU, nn::parse_activation);
  d.bins = flags.get_int32("bins", d.bins);
  d.bound = flags.get_double("bound", d.bound);
  d.schedule.kind = flags.get_choice("path", d.schedule.kind, flows::parse_schedule_kind);
  d.schedule.sigma_min = flags.get_double("sigma-min", d.schedule.sigma_min);
  d.time_prior_exponent = flags.get_double("time-prior-exponent", d.time_prior_exponent);
  d.num_frequencies = flags.get_int32("frequencies", d.num_frequencies);
  d.ode.solver = flags.get_choice("ode-solver", d.ode.solver, flows::parse_ode_solver);
  d.ode.steps = flags.get_int32("ode-steps", d.ode.steps);
  d.ode.abs_tol = d.ode.rel_tol = flags.get_double("ode-tol", d.ode.abs_tol);
  d.trace = flags.get_choice("trace", d.trace, flows::parse_trace_estimator);
  m.embedding = flags.get_choice("embedding", m.embedding, parse_embedding_kind);
  m.embedding_dim = flags.get_int32("embedding-dim", m.embedding_dim);
  m.embedding_hidden = flags.get_int32("embedding-hidden", m.embedding_hidden);
  m.embedding_layers = flags.get_int32("embedding-layers", m.embedding_layers);
  m.pooling = flags.get_choice("pooling", m.pooling, nn::parse_pooling);
  m.set_norm = !flags.on("no-set-norm");
  if (flags.has("cnn-channels")) m.cnn_channels = flags.get_int_list("cnn-channels");
  m.cnn_kernel = flags.get_int32("cnn-kernel", m.cnn_kernel);
  m.cnn_pooling = flags.get_choice("cnn-pooling", m.cnn_pooling, nn::parse_image_pooling);
  m.cnn_readout = flags.get_choice("cnn-readout", m.cnn_readout, nn::parse_cnn_readout);
  m.seed = flags.get_seed("seed", 0);
  core::check_valid(m, "");
  return m;
}

TrainOptions train_options_from(const Flags& flags, flows::DensityKind estimator) {
  TrainOptions t = default_train_options(estimator);
  t.seed = flags.get_seed("seed", 0);
  t.batch_size = flags.get_int32("batch-size", t.batch_size);
  t.learning_rate = flags.get_double("lr", t.learning_rate);
  t.max_epochs = flags.get_int32("max-epochs", t.max_epochs);
  t.patience = flags.get_int32("patience", t.patience);
  t.lr_plateau = flags.get_int32("lr-plateau", t.lr_plateau);
  t.min_learning_rate = flags.get_double("min-lr", t.min_learning_rate);
  t.validation_fraction = flags.get_double("validation-fraction", t.validation_fraction);
  t.clip_grad_norm = flags.get_double("clip-grad-norm", t.clip_grad_norm);
  t.pretrain_epochs = flags.get_int32("pretrain-epochs", t.pretrain_epochs);
  core::check_valid(t, "");
  return t;
}

}  // namespace sbi::app
