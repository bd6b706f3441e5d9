// sbi train: fit a neural posterior estimate to a simulation file.
#include <cmath>
#include <cstdio>
#include <optional>

#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "apps/process_group.h"
#include "apps/process_training.h"
#include "apps/progress_reporter.h"
#include "apps/simulation_file.h"
#include "apps/train_flags.h"
#include "apps/training_checkpoint.h"
#include "core/digest.h"
#include "core/error.h"
#include "core/memory_budget.h"
#include "core/prior_file.h"
#include "io/h5_file.h"
#include "io/output_files.h"
#include "nn/precision.h"
#include "sbi/model_file.h"
#include "sbi/out_of_core.h"
#include "sbi/simulation_data.h"
#include "sbi/simulation_rows.h"
#include "sbi/trainer.h"
#include "sbi/training_noise.h"
#include "sbi/x_mask.h"

namespace sbi::app {
namespace {

// "epoch 12  train 1.2345  validation 1.3001  best 1.2990 (epoch 11)  lr 0.001", with each
// term of a multi-term objective after the totals.
std::string describe_epoch(const EpochReport& r) {
  char line[256];
  if (r.record == nullptr) return r.restart;
  const EpochRecord& e = *r.record;
  std::snprintf(line, sizeof line,
                "epoch %d  train %.4f  validation %.4f  best %.4f (epoch %d)  lr %.2g", r.epoch,
                e.train_loss, e.validation_loss, r.best_validation_loss, r.best_epoch,
                r.learning_rate);
  std::string out = line;
  if (r.term_names != nullptr && r.term_names->size() > 1)
    for (size_t t = 0; t < r.term_names->size(); ++t) {
      std::snprintf(line, sizeof line, "  %s %.4f/%.4f", (*r.term_names)[t].c_str(),
                    e.train_terms[t], e.validation_terms[t]);
      out += line;
    }
  return out;
}

// The simulations to train on: read whole into memory, or streamed from the file within
// --memory-budget (sbi/out_of_core.h) when holding them would need more.
struct TrainingData {
  const SimulationData* in_memory = nullptr;
  const SimulationRows* file = nullptr;  // streamed when in_memory is null
  OutOfCorePlan plan;
  NonFinitePolicy policy = NonFinitePolicy::kDrop;

  long rows() const { return in_memory != nullptr ? in_memory->x.cols() : file->rows(); }
  int theta_dim() const { return in_memory != nullptr ? static_cast<int>(in_memory->theta.rows()) : file->theta_dim(); }
  int x_dim() const { return in_memory != nullptr ? static_cast<int>(in_memory->x.rows()) : file->x_dim(); }
  const core::DataShape& x_shape() const { return in_memory != nullptr ? in_memory->x_shape : file->x_shape(); }
  const std::vector<std::string>& parameter_names() const {
    return in_memory != nullptr ? in_memory->parameter_names : file->parameter_names();
  }
  const std::vector<std::string>& data_names() const {
    return in_memory != nullptr ? in_memory->data_names : file->data_names();
  }
  const std::optional<core::Prior>& prior() const { return in_memory != nullptr ? in_memory->prior : file->prior(); }
};

// What a checkpoint must match to be continued: the data, the fresh model (its initial
// weights stand for the architecture and the seed; its training precision) and every
// training setting but max_epochs.
// A streamed file stands in by its row count and its first and last chunks, and the plan.
std::string training_fingerprint(const TrainOptions& t, const TrainingData& data, PosteriorModel* model) {
  core::Digest d;
  if (data.in_memory != nullptr) {
    d.add(data.in_memory->theta).add(data.in_memory->x);
  } else {
    Eigen::MatrixXd theta, x;
    const long n = data.file->rows(), count = std::min(n, data.plan.chunk_rows);
    for (long first : {0L, n - count}) {
      data.file->read(first, count, &theta, &x);
      d.add(theta).add(x);
    }
    d.add("rows " + std::to_string(n) + " " + data.plan.describe(data.file->row_bytes()));
  }
  d.add(nn::flatten_values(model->parameters()));
  d.add(training_settings_text(t) + (model->is_likelihood() ? " target x" : " target theta"));
  d.add(t.x_noise.description).add(t.x_noise.sigma).add(model->x_mask_source);
  if (model->has_unbounded_theta()) d.add("unbounded theta");  // (only then: older prints stay)
  // (Added only when not double, so that the checkpoints of double runs keep their prints.)
  if (model->density->training_precision() != nn::Precision::kFloat64) d.add("training precision float32");
  return d.hex();
}

// Trains `model` and writes it: the part of NPE and NLE training after the data are in place.
// After every epoch the state goes to the checkpoint file (atomically); --resume continues
// from it; a finished run removes it. Under mpirun every rank trains its part of every batch
// (apps/process_training.h) and rank 0 alone reports, checkpoints and writes.
int fit_and_write(const Invocation& inv, const Flags& flags, const ModelOptions& model_options,
                  TrainOptions train_options, const TrainingData& data, PosteriorModel* model,
                  io::OutputFiles* out, const std::string& out_path, const std::vector<std::string>& inputs) {
  const ProcessGroup& group = process_group();
  TrainingCheckpoint checkpoint(flags, out_path, inputs, training_fingerprint(train_options, data, model));
  checkpoint.set_writer(group.is_root());
  checkpoint.attach(&train_options);
  ProcessGradientReduction reduction(group);
  if (group.size() > 1) {
    train_options.reduction = &reduction;
    log_line("training across %d processes (mpirun): each computes its part of every batch of %d",
             group.size(), train_options.batch_size);
  }
  ProgressReporter reporter(/*every_message=*/true);
  const core::ProgressCallback progress = reporter.callback();
  if (group.is_root())
    train_options.on_epoch = [&](const EpochReport& r) {
      progress({r.phase, r.epoch, r.max_epochs, describe_epoch(r)});
    };
  TrainSummary summary;
  OutOfCoreReport report;
  if (data.in_memory != nullptr) {
    const SimulationData& d = *data.in_memory;
    const bool likelihood = model->is_likelihood();
    train(train_options, likelihood ? d.x : d.theta, likelihood ? d.theta : d.x, model, &summary);
  } else {
    train_out_of_core(train_options, data.plan, data.file->rows(), reader_of(*data.file), data.policy, model,
                      &summary, &report);
  }
  reporter.finish();
  if (data.file != nullptr) {
    log_line("%s", report.describe().c_str());
    if (report.dropped_nonfinite > 0)
      log_line("dropped %ld rows whose x has NaN or Inf (--nonfinite error makes this an error)",
               report.dropped_nonfinite);
  }
  log_line("%s", summary.message.c_str());
  if (!group.is_root()) return 0;
  const io::Provenance provenance = provenance_of(inv, model_options.seed);
  out->write_hdf5(out_path, [&](io::H5File& f) { write_model(f, *model, summary, provenance); });
  out->commit();
  checkpoint.remove();
  log_line("wrote %s", out_path.c_str());
  return 0;
}

// sbi train --target x: neural likelihood estimation, q(x | θ) with θ as the context (through
// the embedding, `none` by default) and x as the density's variable. No prior restricts the
// draws (they are data); the prior of the data file is kept in the log only.
int train_likelihood(const Invocation& inv, const Flags& flags, const ModelOptions& model_options,
                     const TrainOptions& train_options, const TrainingData& data, io::OutputFiles* out) {
  core::check(!flags.has("balance") && !flags.on("augment-symmetries") && !flags.on("unbounded-theta"),
              "--target x: --balance, --augment-symmetries and --unbounded-theta are for posteriors; leave them "
              "out");
  for (const char* name : {"mask", "noise-sigma", "noise-map", "prior"})
    core::check(!flags.has(name), std::string("--target x: --") + name +
                                      " applies to the x a posterior is conditioned on; leave it out");
  core::check(!data.x_shape().is_set() && !data.x_shape().is_image(),
              "--target x models vector data; this file's x is " + data.x_shape().describe() +
                  " (compress it first, e.g. with sbi vae encode)");
  core::check(model_options.embedding != EmbeddingKind::kDeepSets && model_options.embedding != EmbeddingKind::kCnn,
              "--target x: the embedding reads theta, a vector: use none or mlp");
  const std::string out_path = flags.required("out");
  PosteriorModel model = PosteriorModel::create(model_options, data.x_dim(), data.theta_dim());
  model.target = ModelTarget::kX;
  model.parameter_names = data.data_names();
  model.data_names = data.parameter_names();
  log_line("%s: %ld simulations; training the likelihood q(x | theta) of x (dimension %d) given "
           "theta (dimension %d) with %s (%ld weights), batch %d, at most %d epochs",
           flags.get("data", "").c_str(), data.rows(), data.x_dim(), data.theta_dim(),
           sbi::density_kind_name(model_options.density.kind).c_str(), nn::count_scalars(model.parameters()),
           train_options.batch_size, train_options.max_epochs);
  if (data.in_memory != nullptr && data.in_memory->dropped_nonfinite > 0)
    log_line("dropped %ld rows whose x has NaN or Inf", data.in_memory->dropped_nonfinite);
  return fit_and_write(inv, flags, model_options, train_options, data, &model, out, out_path,
                       {flags.get("data", "")});
}

int train_command(const Invocation& inv, const ProcessGroup& group) {
  Flags flags(inv.args, command_spec("train"));
  const std::string data_path = flags.required("data");
  const std::string out_path = flags.required("out");
  set_threads(flags.get_int("threads", 0));
  const ModelOptions model_options = model_options_from(flags);
  TrainOptions train_options = train_options_from(flags, model_options.density.kind);
  train_options.balance = flags.get_double("balance", 0);
  core::check(train_options.balance >= 0 && std::isfinite(train_options.balance),
              "--balance expects a finite weight >= 0, got " + flags.get("balance", ""));
  core::check(train_options.balance == 0 || model_options.density.kind == sbi::DensityKind::kRealNVP ||
                  model_options.density.kind == sbi::DensityKind::kNSF,
              "--balance needs the exact log density of a coupling flow: --estimator nsf or realnvp");
  const std::string nonfinite = flags.get("nonfinite", "drop");
  core::check(nonfinite == "drop" || nonfinite == "error",
              "--nonfinite expects drop or error, got '" + nonfinite + "'");

  // The mask and noise-map files are inputs too: never replaced by the output.
  const std::string mask_path = flags.get("mask", "");
  const std::string noise_map_path = flags.get("noise-map", "");
  core::check(!(flags.has("noise-sigma") && flags.has("noise-map")),
              "--noise-sigma and --noise-map both give the training noise; pass one");
  std::vector<std::string> inputs{data_path};
  if (flags.has("mask")) inputs.push_back(mask_path);
  if (flags.has("noise-map")) inputs.push_back(noise_map_path);
  io::OutputFiles out(inputs);
  if (group.is_root()) out.add(out_path);
  const NonFinitePolicy policy = nonfinite == "drop" ? NonFinitePolicy::kDrop : NonFinitePolicy::kError;
  const std::string target = flags.get("target", "theta");
  core::check(target == "theta" || target == "x", "--target expects theta or x, got '" + target + "'");
  TrainingData data;
  data.policy = policy;
  SimulationData whole;
  std::optional<SimulationRows> file;
  if (flags.has("memory-budget")) {
    const double budget = core::parse_byte_size(flags.get("memory-budget", ""), "--memory-budget");
    file.emplace(data_path);
    // Training in memory holds the data about three times (as read, split, standardised).
    const double in_memory = 3 * file->row_bytes() * static_cast<double>(file->rows());
    if (in_memory > budget) {
      data.file = &*file;
      data.plan = plan_out_of_core(file->rows(), file->row_bytes(), budget, file->chunk_rows(),
                                   train_options.batch_size);
      core::check(train_options.pretrain_epochs == 0 || model_options.embedding == EmbeddingKind::kNone,
                  "--pretrain-epochs: embedding pretraining needs the data in memory; leave it out when "
                  "--memory-budget streams the file");
      log_line("%s: %ld rows of %s (%s); training in memory would need about %s, more than --memory-budget %s: "
               "streaming %s",
               data_path.c_str(), file->rows(), core::format_bytes(file->row_bytes()).c_str(),
               core::format_bytes(file->row_bytes() * static_cast<double>(file->rows())).c_str(),
               core::format_bytes(in_memory).c_str(), core::format_bytes(budget).c_str(),
               data.plan.describe(file->row_bytes()).c_str());
    } else {
      log_line("%s: training in memory needs about %s, within --memory-budget %s: read whole", data_path.c_str(),
               core::format_bytes(in_memory).c_str(), core::format_bytes(budget).c_str());
    }
  }
  if (data.file == nullptr) {
    whole = load_simulations(data_path, policy);
    data.in_memory = &whole;
  }
  if (target == "x") return train_likelihood(inv, flags, model_options, train_options, data, &out);

  PosteriorModel model = PosteriorModel::create(model_options, data.theta_dim(), data.x_dim(), data.x_shape());
  if (flags.has("mask"))  // checked before the first log line
    model.set_x_mask(read_x_mask(mask_path, model.x_shape, "--mask"), mask_path);
  if (flags.has("noise-sigma"))
    train_options.x_noise = constant_training_noise(flags.get_double("noise-sigma", 0), model.x_shape);
  if (flags.has("noise-map"))
    train_options.x_noise = read_training_noise_map(noise_map_path, model.x_shape, "--noise-map");
  // The prior, checked before the first log line.
  if (flags.has("prior"))
    model.prior = core::read_prior_argument(flags.get("prior", "")).prior;
  else if (data.prior())
    model.prior = data.prior();
  core::check(train_options.balance == 0 || model.prior,
              "--balance: balanced NPE compares q(theta | x) with the prior: give the prior (--prior, or a "
              "simulation file that records it)");
  core::check(!flags.on("unbounded-theta") || model.prior,
              "--unbounded-theta maps theta through the prior's support: give the prior (--prior, or a "
              "simulation file that records it)");
  long outside_prior = 0;
  if (model.prior) {
    core::check(model.prior->dim() == model.theta_dim(),
                "the prior has " + std::to_string(model.prior->dim()) +
                    " dimensions but theta has " + std::to_string(model.theta_dim()));
    if (data.in_memory != nullptr)
      for (Eigen::Index j = 0; j < whole.theta.cols(); ++j)
        outside_prior += model.prior->in_support(whole.theta.col(j)) ? 0 : 1;
    core::check(outside_prior == 0 || !flags.on("unbounded-theta"),
                "--unbounded-theta: " + std::to_string(outside_prior) +
                    " of the simulated theta lie outside the prior's support, which it maps onto R^D; leave "
                    "out --unbounded-theta or those simulations");
    if (flags.on("unbounded-theta")) model.set_unbounded_theta(*model.prior);
  }
  if (flags.on("augment-symmetries")) {
    const io::H5File file = io::H5File::open_read(data_path);
    core::check(file.has_attr("/", "symmetries"),
                "--augment-symmetries: " + data_path + " records no symmetries of its simulator (sbi simulate "
                "records them for a task that has exact ones at its settings, drawn from the task's own prior: "
                "lensing with a symmetric PSF and noise)");
    const std::string group = file.get_string_attr("/", "symmetries");
    train_options.symmetries = simulators::symmetry_group(group, model.x_shape);
    log_line("augmentation: every training pair replaced by its image under one of the %zu symmetries of %s "
             "(%s), drawn afresh in every batch",
             train_options.symmetries.size() + 1, data_path.c_str(), group.c_str());
  }
  log_line("%s: %ld simulations, theta dimension %d, x dimension %d", data_path.c_str(), data.rows(),
           data.theta_dim(), data.x_dim());
  if (data.in_memory != nullptr && whole.dropped_nonfinite > 0)
    log_line("dropped %ld rows whose x has NaN or Inf (--nonfinite error makes this an error)",
             whole.dropped_nonfinite);

  const core::DataShape& x_shape = data.x_shape();
  if (x_shape.is_image())
    log_line("x is %s; standardised per channel, not per pixel", x_shape.describe().c_str());
  if (x_shape.is_set()) {
    log_line("x is a set of %d rows of %d features%s; standardised per feature", x_shape.set_size,
             x_shape.features, x_shape.masked ? " (variable size: padded, masked)" : "");
    if (model_options.embedding != EmbeddingKind::kDeepSets)
      log_line("hint: --embedding deepsets is invariant to the order of the rows");
  }
  model.parameter_names = data.parameter_names();
  model.data_names = data.data_names();
  if (model.x_norm.has_mask()) {
    log_line("mask (from %s): %ld of %d %s of x used; the others are ignored in training and "
             "in every observation", mask_path.c_str(), model.x_norm.used(), model.x_dim(),
             model.x_shape.is_image() ? "pixels" : "dimensions");
  }
  if (train_options.x_noise.enabled())
    log_line("training noise: %s, drawn afresh for every batch (the simulations are taken to "
             "be noiseless)", train_options.x_noise.description.c_str());
  if (!model.prior)
    log_line("no prior given: posterior samples will not be restricted to a support "
             "(pass --prior to restrict them)");
  else
    log_line("prior (from %s): %s", flags.has("prior") ? "--prior" : data_path.c_str(),
             model.prior->to_string().c_str());
  if (outside_prior > 0)
    log_line("warning: %ld of the simulated theta lie outside the prior support", outside_prior);
  if (model.has_unbounded_theta()) {
    log_line("unbounded theta: the flow models logit((theta - low) / (high - low)) of each bounded parameter "
             "(log theta of a lognormal one), so no posterior mass lies outside the prior");
  }
  log_line("training %s (%ld weights, %s passes), batch %d, learning rate %g, at most %d epochs, "
           "patience %d",
           sbi::density_kind_name(model_options.density.kind).c_str(),
           nn::count_scalars(model.parameters()),
           nn::precision_name(model.density->training_precision()).c_str(), train_options.batch_size,
           train_options.learning_rate, train_options.max_epochs, train_options.patience);
  if (train_options.balance > 0)
    log_line("balanced NPE: the loss adds %g (E_joint d + E_marginal d - 1)^2, d = sigmoid(log q - log prior), "
             "against overconfident posteriors (Delaunoy et al. 2023)",
             train_options.balance);
  if (train_options.pretrain_epochs > 0 && model_options.embedding != EmbeddingKind::kNone)
    log_line("first, at most %d epochs of regression pretraining of the %s embedding",
             train_options.pretrain_epochs, embedding_kind_name(model_options.embedding).c_str());

  return fit_and_write(inv, flags, model_options, train_options, data, &model, &out, out_path, inputs);
}

}  // namespace

// Under mpirun (a build with MPI) every rank runs the same command; an error on any rank ends
// every rank with one message (apps/process_group.h).
int cmd_train(const Invocation& inv) {
  const ProcessGroup& group = process_group();
  if (!group.is_root()) set_log_lines(false);
  int status = 0;
  run_collectively(group, [&] { status = train_command(inv, group); });
  return status;
}

}  // namespace sbi::app
