// sbi prior sample | train: priors of parameters, and diffusion priors over images.
//
//   sbi prior sample --prior SPEC|FILE --num N --seed S --out theta.h5
//       draws of a prior alone, draw i from the stream (S, i) as in `sbi simulate`, so
//       `sbi simulate --theta theta.h5` simulates at the θ that `sbi simulate --prior ...
//       --seed S` would draw.
//   sbi prior train --data images.h5 --out prior.h5 [score-model and training flags]
//       a diffusion prior over the images of /x (diffusion/image_prior.h): principal
//       components (--components, --variance), then a score model of their coefficients,
//       trained with `sbi train`'s flags of --estimator score (sbi/image_prior_training.h).
//   sbi prior sample --model prior.h5 --num N --seed S --out x.h5
//       images drawn from a trained diffusion prior: /x (N, H, W).
#include <cstdio>

#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "apps/progress_reporter.h"
#include "apps/simulation_file.h"
#include "apps/train_flags.h"
#include "apps/training_checkpoint.h"
#include "core/digest.h"
#include "core/error.h"
#include "core/memory_budget.h"
#include "core/prior_file.h"
#include "io/data_shape_attributes.h"
#include "io/h5_file.h"
#include "io/output_files.h"
#include "io/provenance.h"
#include "sbi/density_factory.h"
#include "sbi/image_prior_file.h"
#include "sbi/image_prior_training.h"
#include "sbi/simulation_data.h"
#include "simulators/batch.h"

namespace sbi::app {
namespace {

int sample_parameters(const Invocation& inv, const Flags& flags) {
  const std::string out_path = flags.required("out");
  const core::PriorDescription prior = core::read_prior_argument(flags.required("prior"));
  const long n = flags.get_int("num", -1);
  core::check(n >= 1, "--num must be given and >= 1");
  core::check_memory(8.0 * static_cast<double>(n) * prior.prior.dim(),
                     "--num " + std::to_string(n) + " prior draws");
  simulators::SimulateOptions options;
  options.seed = flags.get_seed("seed", 0);
  options.threads = set_threads(flags.get_int("threads", 0));
  io::OutputFiles out({prior.file});
  out.add(out_path);
  const Eigen::MatrixXd theta = simulators::sample_prior(prior.prior, n, options);
  out.write_hdf5(out_path, [&](io::H5File& f) {
    io::Provenance p = provenance_of(inv, options.seed);
    p.parameter_names = prior.names;
    io::stamp_provenance(f, p);
    f.set_attr("/", "prior", prior.prior.to_string());
    if (!prior.file.empty()) {
      f.set_attr("/", "prior_file", prior.file);
      f.set_attr("/", "parameter_units", prior.units);
    }
    f.write_matrix("/theta", theta);
  });
  out.commit();
  log_line("wrote %ld prior draws of %d parameters to %s", n, prior.prior.dim(), out_path.c_str());
  return 0;
}

int sample_images(const Invocation& inv, const Flags& flags) {
  const std::string model_path = flags.required("model");
  const std::string out_path = flags.required("out");
  const long n = flags.get_int("num", -1);
  core::check(n >= 1, "--num must be given and >= 1");
  const std::uint64_t seed = flags.get_seed("seed", 0);
  set_threads(flags.get_int("threads", 0));
  io::OutputFiles out({model_path});
  out.add(out_path);
  const diffusion::ImagePrior prior = load_image_prior(model_path);
  core::check_memory(8.0 * static_cast<double>(n) * prior.dim(), "--num " + std::to_string(n) + " images");
  core::Rng rng(seed, 0);
  const Eigen::MatrixXd x = prior.sample(n, &rng);
  out.write_hdf5(out_path, [&](io::H5File& f) {
    io::stamp_provenance(f, provenance_of(inv, seed));
    f.set_attr("/", "prior_file", model_path);
    write_samples(f, "/x", x, prior.shape());
    io::write_shape_attributes(f, prior.shape());
  });
  out.commit();
  log_line("wrote %ld images (%s) drawn from %s to %s", n, prior.shape().describe().c_str(),
           model_path.c_str(), out_path.c_str());
  return 0;
}

int train(const Invocation& inv, const Flags& flags) {
  const std::string data_path = flags.required("data");
  const std::string out_path = flags.required("out");
  core::check(!flags.has("estimator") || flags.get("estimator", "") == "score",
              "sbi prior train trains a score model; --estimator " + flags.get("estimator", "") +
                  " is not one (leave --estimator out)");
  // The flags of `sbi train` that set other estimators or an embedding of x.
  for (const char* name : {"transforms", "bins", "bound", "sigma-min", "embedding", "embedding-dim",
                           "embedding-hidden", "embedding-layers", "pooling",
                           "cnn-channels", "cnn-kernel", "cnn-pooling", "cnn-readout", "pretrain-epochs"})
    core::check(!flags.has(name), std::string("sbi prior train: --") + name +
                                      " sets what a score model of images does not have; leave it out");
  core::check(!flags.on("no-set-norm"), "sbi prior train: --no-set-norm is for sets; leave it out");
  set_threads(flags.get_int("threads", 0));
  const DensityOptions density = model_options_from(flags, DensityKind::kScore).density;
  ImagePriorOptions options;
  options.score = score_model_options(density);
  options.max_components = flags.get_int32("components", options.max_components);
  options.variance_fraction = flags.get_double("variance", options.variance_fraction);
  core::check_valid(options, "sbi prior train");
  TrainOptions t = train_options_from(flags, DensityKind::kScore);

  io::OutputFiles out({data_path});
  out.add(out_path);
  const SampleData data = load_sample_data(data_path);
  core::check(data.shape.is_image(), "--data " + data_path + ": /x holds " + data.shape.describe() +
                                         "; sbi prior train learns images, (N, H, W) or (N, C, H, W)");
  log_line("%s: %ld images, %s", data_path.c_str(), static_cast<long>(data.x.cols()),
           data.shape.describe().c_str());
  // A checkpoint belongs to these images and every setting of the basis, the score model and
  // its training but max_epochs (the seed fixes the initial weights and the split).
  core::Digest fingerprint;
  fingerprint.add(data.x).add(data.shape.describe()).add(training_settings_text(t));
  fingerprint.add("components " + std::to_string(options.max_components) + " variance " +
                  std::to_string(options.variance_fraction));
  for (const FlagSpec& f : train_flag_specs())  // the score model's flags as given (defaults are fixed)
    if (f.name != "max-epochs" && f.name != "threads")
      fingerprint.add(f.name + "=" + (f.kind == FlagKind::kSwitch ? (flags.on(f.name) ? "on" : "off")
                                                                  : flags.get(f.name, "")));
  TrainingCheckpoint checkpoint(flags, out_path, {data_path}, fingerprint.hex());
  checkpoint.attach(&t);
  ProgressReporter reporter(/*every_message=*/true);
  const core::ProgressCallback progress = reporter.callback();
  t.on_epoch = [&](const EpochReport& r) {
    if (r.record == nullptr) return progress({r.phase, r.epoch, r.max_epochs, r.restart});
    char line[200];
    std::snprintf(line, sizeof line, "epoch %d  denoising %.5f  validation %.5f  best %.5f (epoch %d)  lr %.2g",
                  r.epoch, r.record->train_loss, r.record->validation_loss, r.best_validation_loss,
                  r.best_epoch, r.learning_rate);
    progress({r.phase, r.epoch, r.max_epochs, line});
  };
  TrainSummary summary;
  diffusion::ImagePrior prior = train_image_prior(data.x, data.shape, options, t, &summary);
  reporter.finish();
  log_line("principal components: %d of %d pixels, holding %.4f%% of the training images' variance",
           prior.basis().size(), prior.dim(), 100 * prior.basis().retained_fraction());
  log_line("%s", summary.message.c_str());
  out.write_hdf5(out_path, [&](io::H5File& f) {
    write_image_prior(f, prior, summary, provenance_of(inv, options.score.seed), data_path);
  });
  out.commit();
  checkpoint.remove();
  log_line("wrote %s", out_path.c_str());
  return 0;
}

}  // namespace

int cmd_prior(const Invocation& inv) {
  Flags flags(inv.args, command_spec("prior"));
  const std::vector<std::string>& pos = flags.positional();
  core::check(pos.size() == 1 && (pos[0] == "sample" || pos[0] == "train"),
              "usage: sbi prior sample --prior SPEC|FILE --num N --out theta.h5, sbi prior sample "
              "--model prior.h5 --num N --out x.h5, or sbi prior train --data images.h5 --out prior.h5");
  if (pos[0] == "train") return train(inv, flags);
  core::check(!flags.has("checkpoint") && !flags.on("resume"), "sbi prior sample: --checkpoint and --resume are for "
                                                               "sbi prior train");
  core::check(flags.has("prior") != flags.has("model"),
              "sbi prior sample: give --prior SPEC|FILE (parameters) or --model prior.h5 (images), one of them");
  return flags.has("model") ? sample_images(inv, flags) : sample_parameters(inv, flags);
}

}  // namespace sbi::app
