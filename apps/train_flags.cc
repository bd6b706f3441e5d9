#include "apps/train_flags.h"

#include <cstdio>

namespace sbi::app {
namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// The default of one setting, "64" or "64 (cnf: 128)" where an estimator's differs from nsf's.
template <class Value>
std::string per_estimator(Value (*value)(sbi::DensityKind)) {
  const std::string nsf = value(sbi::DensityKind::kNSF);
  std::string text = nsf;
  for (sbi::DensityKind k : {sbi::DensityKind::kRealNVP, sbi::DensityKind::kCNF, sbi::DensityKind::kScore})
    if (value(k) != nsf) text += " (" + sbi::density_kind_name(k) + ": " + value(k) + ")";
  return text;
}

sbi::DensityOptions density(sbi::DensityKind k) { return sbi::default_density_options(k); }

}  // namespace

std::vector<FlagSpec> train_flag_specs() {
  using K = sbi::DensityKind;
  const ModelOptions m;
  const sbi::DensityOptions d;
  const TrainOptions t;
  const auto v = FlagKind::kValue;
  return {
      {"estimator", v, "NAME", "nsf", "the posterior estimator: nsf (neural spline flow), realnvp "
                                      "(affine coupling flow), cnf (continuous flow, flow matching) or score "
                                      "(diffusion model, score matching)"},
      {"seed", v, "S", "0", "seed of the initial weights, the validation split and the shuffling"},
      {"batch-size", v, "B", std::to_string(t.batch_size), "pairs per gradient step"},
      {"lr", v, "L", number(t.learning_rate), "Adam's initial learning rate", "learning-rate"},
      {"max-epochs", v, "E", std::to_string(t.max_epochs), "at most this many epochs"},
      {"patience", v, "P",
       per_estimator(+[](K k) { return std::to_string(default_train_options(k).patience); }),
       "stop after P epochs without validation improvement; 0: never stop early"},
      {"lr-plateau", v, "P",
       per_estimator(+[](K k) { return std::to_string(default_train_options(k).lr_plateau); }),
       "halve the learning rate after P epochs without improvement"},
      {"min-lr", v, "L", number(t.min_learning_rate), "the learning rate is never halved below L",
       "min-learning-rate"},
      {"validation-fraction", v, "F", number(t.validation_fraction),
       "fraction of the pairs held out for validation (early stopping)"},
      {"clip-grad-norm", v, "C", number(t.clip_grad_norm),
       "clip the gradient's norm to C; <= 0: no clipping"},
      {"shards", v, "S", "0",
       "split every batch into S shards trained in parallel (one thread each, at most --threads); "
       "training is reproducible bit for bit for a given S; 0: one shard per thread"},
      {"pretrain-epochs", v, "E", std::to_string(t.pretrain_epochs),
       "first train the embedding alone to regress theta for at most E epochs"},
      {"transforms", v, "K", std::to_string(d.transforms), "coupling layers (nsf, realnvp)"},
      {"hidden", v, "H", per_estimator(+[](K k) { return std::to_string(density(k).hidden); }),
       "width of the conditioner networks (cnf: of the vector field; score: of the noise predictor)"},
      {"layers", v, "L", per_estimator(+[](K k) { return std::to_string(density(k).layers); }),
       "residual blocks per network"},
      {"activation", v, "NAME", "relu (cnf, score: silu)", "relu, tanh, silu or elu"},
      {"precision", v, "NAME",
       per_estimator(+[](K k) { return nn::precision_name(density(k).inference_precision); }),
       "realnvp, nsf: sampling and log-densities in float64, or float32 (the conditioners' "
       "products in single precision: about 2x the draws per second, log q within ~1e-5)"},
      {"train-precision", v, "NAME",
       per_estimator(+[](K k) { return nn::precision_name(density(k).training_precision); }),
       "realnvp, nsf: training in float32 (the conditioners' and a cnn embedding's products "
       "and activations in single precision, the weights and Adam in double: about 2x the "
       "training steps per second of float64, the same accuracy), or float64"},
      {"bins", v, "K", std::to_string(d.bins), "nsf: spline bins"},
      {"bound", v, "B", number(d.bound), "nsf: the splines act on [-B, B] of standardised theta"},
      {"path", v, "NAME",
       per_estimator(+[](K k) { return flows::schedule_kind_name(density(k).schedule.kind); }),
       "cnf, score: the probability path, ot (optimal transport; not score), vp (variance "
       "preserving), subvp (sub-VP) or ve (variance exploding)"},
      {"sigma-max", v, "S", number(d.schedule.ve_sigma_max), "ve path: the noise end's width"},
      {"sigma-min", v, "S", number(d.schedule.sigma_min), "cnf: width of the path at the data end"},
      {"time-prior-exponent", v, "A",
       per_estimator(+[](K k) { return number(density(k).time_prior_exponent); }),
       "cnf, score: training times t drawn with density proportional to t^A (0: uniform)"},
      {"frequencies", v, "F",
       per_estimator(+[](K k) { return std::to_string(density(k).num_frequencies); }),
       "cnf, score: Fourier features of t (score: Gaussian frequencies)"},
      {"fourier-scale", v, "S", number(d.fourier_scale), "score: standard deviation of the Fourier frequencies"},
      {"weighting", v, "NAME", diffusion::score_weighting_name(density(K::kScore).weighting),
       "score: loss weighting, noise (lambda = beta_t^2) or likelihood (lambda = g_t^2)"},
      {"sampler", v, "NAME", diffusion::score_sampler_name(d.sampler),
       "score: how samples are drawn, ode (probability flow), sde (Euler-Maruyama) or pc "
       "(predictor-corrector)"},
      {"sde-steps", v, "N", std::to_string(d.sde.steps), "score: steps of the sde and pc samplers"},
      {"corrector-steps", v, "N", "1", "score: Langevin corrector steps per pc step"},
      {"snr", v, "R", number(d.sde.snr), "score: signal-to-noise ratio of the Langevin corrector"},
      {"guidance-dropout", v, "P", number(d.guidance_dropout),
       "score: train a null context with probability P (classifier-free guidance)"},
      {"guidance-scale", v, "W", number(d.guidance_scale),
       "score: guidance weight w, eps = (1 + w) eps(x) - w eps(null); needs --guidance-dropout"},
      {"ode-solver", v, "NAME", flows::ode_solver_name(d.ode.solver), "cnf, score: rk4 or dopri5"},
      {"ode-steps", v, "N", std::to_string(d.ode.steps), "cnf, score: rk4 steps from noise to data"},
      {"ode-tol", v, "T", number(d.ode.abs_tol), "cnf, score: dopri5's absolute and relative tolerance"},
      {"trace", v, "NAME", flows::trace_estimator_name(d.trace),
       "cnf, score: divergence for log q, exact or hutchinson"},
      {"embedding", v, "NAME", embedding_kind_name(m.embedding),
       "network turning x into the context: none, mlp, deepsets (sets) or cnn (images)"},
      {"embedding-dim", v, "D", std::to_string(m.embedding_dim), "size of the embedding's output"},
      {"embedding-hidden", v, "H", std::to_string(m.embedding_hidden),
       "width of the embedding's hidden layers (cnn: of its head)"},
      {"embedding-layers", v, "L", std::to_string(m.embedding_layers),
       "hidden layers of the embedding (deepsets: of phi and of rho each; cnn: of its head)"},
      {"pooling", v, "NAME", nn::pooling_name(m.pooling), "deepsets: mean, sum or mean+sum"},
      {"no-set-norm", FlagKind::kSwitch, "", "",
       "deepsets: do not standardise each set by its own statistics"},
      {"cnn-channels", v, "C1,C2,...", "16,32,64",
       "cnn: output channels of each convolution block (each halves the image)"},
      {"cnn-kernel", v, "K", std::to_string(m.cnn_kernel), "cnn: odd kernel size"},
      {"cnn-pooling", v, "NAME", nn::image_pooling_name(m.cnn_pooling), "cnn: 2 x 2 pooling, avg or max"},
      {"cnn-readout", v, "NAME", nn::cnn_readout_name(m.cnn_readout),
       "cnn: flatten or mean of the last feature maps"},
  };
}

ModelOptions model_options_from(const Flags& flags, sbi::DensityKind default_estimator) {
  ModelOptions m;
  m.density = sbi::default_density_options(
      flags.get_choice("estimator", default_estimator, sbi::parse_density_kind));
  sbi::DensityOptions& d = m.density;
  d.transforms = flags.get_int32("transforms", d.transforms);
  d.hidden = flags.get_int32("hidden", d.hidden);
  d.layers = flags.get_int32("layers", d.layers);
  if (flags.has("activation"))
    d.activation = flags.get_choice("activation", nn::Activation::kReLU, nn::parse_activation);
  d.inference_precision = flags.get_choice("precision", d.inference_precision, nn::parse_precision);
  d.training_precision =
      flags.get_choice("train-precision", d.training_precision, nn::parse_precision);
  d.bins = flags.get_int32("bins", d.bins);
  d.bound = flags.get_double("bound", d.bound);
  d.schedule.kind = flags.get_choice("path", d.schedule.kind, flows::parse_schedule_kind);
  d.schedule.sigma_min = flags.get_double("sigma-min", d.schedule.sigma_min);
  d.schedule.ve_sigma_max = flags.get_double("sigma-max", d.schedule.ve_sigma_max);
  d.time_prior_exponent = flags.get_double("time-prior-exponent", d.time_prior_exponent);
  d.num_frequencies = flags.get_int32("frequencies", d.num_frequencies);
  d.fourier_scale = flags.get_double("fourier-scale", d.fourier_scale);
  d.weighting = flags.get_choice("weighting", d.weighting, diffusion::parse_score_weighting);
  d.sampler = flags.get_choice("sampler", d.sampler, diffusion::parse_score_sampler);
  d.sde.steps = flags.get_int32("sde-steps", d.sde.steps);
  // The pc sampler needs a corrector step; the sde sampler has none.
  d.sde.corrector_steps = flags.get_int32(
      "corrector-steps", d.sampler == diffusion::ScoreSampler::kPredictorCorrector ? 1 : 0);
  d.sde.snr = flags.get_double("snr", d.sde.snr);
  d.guidance_dropout = flags.get_double("guidance-dropout", d.guidance_dropout);
  d.guidance_scale = flags.get_double("guidance-scale", d.guidance_scale);
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

TrainOptions train_options_from(const Flags& flags, sbi::DensityKind estimator) {
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
  t.shards = flags.get_int32("shards", t.shards);
  core::check_valid(t, "");
  return t;
}

}  // namespace sbi::app
