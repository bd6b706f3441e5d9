// sbi vae train | encode | decode | sample | evaluate: variational autoencoders (vae/).
//
//   sbi vae train    --data x.h5 --latent K [--beta B | --beta-schedule S | --target-rate R] --out vae.h5
//   sbi vae encode   --model vae.h5 --data x.h5 --out z.h5      /z_mean, /z_std (N, K); with
//                    the data's /theta also /theta and /x = /z_mean: a training file for NPE
//   sbi vae decode   --model vae.h5 --latents z.h5 --out x.h5   /x: the decoder's mean
//   sbi vae sample   --model vae.h5 --num N --out x.h5          /x (and /z) from z ~ N(0, I)
//   sbi vae evaluate --model vae.h5 --data x.h5 [--iw-samples K] [--out terms.h5]
#include <cstdio>

#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "apps/progress_reporter.h"
#include "apps/simulation_file.h"
#include "apps/training_checkpoint.h"
#include "core/digest.h"
#include "core/error.h"
#include "core/memory_budget.h"
#include "core/normal_fill.h"
#include "io/data_shape_attributes.h"
#include "io/output_files.h"
#include "sbi/simulation_data.h"
#include "vae/elbo_objective.h"
#include "vae/importance_weighted.h"
#include "vae/vae_file.h"
#include "vae/vae_trainer.h"

namespace sbi::app {
namespace {

using vae::Vae;

// /x with the shape of its samples and the shape attributes.
void write_x(io::H5File& f, const char* name, const Eigen::MatrixXd& x, const core::DataShape& shape) {
  write_samples(f, name, x, shape);
  io::write_shape_attributes(f, shape);
}

vae::BetaOptions beta_options(const Flags& flags) {
  const int given = flags.has("beta-schedule") + flags.has("target-rate");
  core::check(given <= 1, "--beta-schedule and --target-rate both set beta; pass one");
  const double beta = flags.get_double("beta", 1.0);
  vae::BetaOptions o;
  if (flags.has("beta-schedule")) {
    o = vae::parse_beta_schedule(flags.get("beta-schedule", ""), beta);
  } else if (flags.has("target-rate")) {
    core::check(!flags.has("beta"), "--beta and --target-rate: the controller sets beta; pass one");
    o.kind = vae::BetaScheduleKind::kTargetRate;
    o.target_rate = flags.get_double("target-rate", 0);
  } else {
    o.beta = beta;
  }
  core::check_valid(o, "beta");
  return o;
}

int train(const Invocation& inv, const Flags& flags) {
  const std::string data_path = flags.required("data");
  const std::string out_path = flags.required("out");
  set_threads(flags.get_int("threads", 0));
  vae::VaeOptions o;
  o.latent = flags.get_int32("latent", o.latent);
  o.encoder = flags.get("encoder", o.encoder);
  o.decoder = flags.get("decoder", o.decoder);
  o.hidden = flags.get_int32("hidden", o.hidden);
  o.layers = flags.get_int32("layers", o.layers);
  if (flags.has("channels")) o.channels = flags.get_int_list("channels");
  o.kernel = flags.get_int32("kernel", o.kernel);
  o.activation = flags.get_choice("activation", o.activation, nn::parse_activation);
  o.likelihood = flags.get_choice("likelihood", o.likelihood, vae::parse_likelihood);
  o.sigma = flags.get_double("sigma", o.sigma);
  o.learn_sigma = !flags.on("fixed-sigma");
  o.seed = flags.get_seed("seed", 0);
  core::check_valid(o, "vae");
  const vae::BetaOptions beta = beta_options(flags);
  TrainOptions t;
  t.seed = o.seed;
  t.batch_size = flags.get_int32("batch-size", t.batch_size);
  t.learning_rate = flags.get_double("lr", t.learning_rate);
  t.max_epochs = flags.get_int32("max-epochs", 200);
  t.patience = flags.get_int32("patience", t.patience);
  core::check_valid(t, "train");

  io::OutputFiles out({data_path});
  out.add(out_path);
  SampleData data = load_sample_data(data_path);
  Vae model = Vae::create(o, data.shape);
  model.likelihood().check_data(data.x, data_path + ": /x");  // before the first log line
  log_line("%s: %ld samples, %s", data_path.c_str(), static_cast<long>(data.x.cols()),
           data.shape.describe().c_str());
  log_line("training a VAE: latent %d, %s encoder, %s decoder, %s likelihood%s, %s; %ld weights",
           o.latent, o.encoder.c_str(), o.decoder.c_str(), vae::likelihood_name(o.likelihood).c_str(),
           o.likelihood == vae::LikelihoodKind::kGaussian ? (o.learn_sigma ? " (sigma learned)" : " (sigma fixed)") : "",
           beta.describe().c_str(), nn::count_scalars(model.parameters()));
  // A checkpoint belongs to these data and every setting of the VAE, its β and its training
  // but max_epochs (the seed fixes the initial weights, the split and the draws).
  core::Digest fingerprint;
  fingerprint.add(data.x).add(data.shape.describe()).add(training_settings_text(t)).add(beta.describe());
  for (const FlagSpec& f : command_spec("vae").flags)  // the data by content, not by name
    if (f.name != "max-epochs" && f.name != "threads" && f.name != "checkpoint" && f.name != "resume" &&
        f.name != "out" && f.name != "data")
      fingerprint.add(f.name + "=" + (f.kind == FlagKind::kSwitch ? (flags.on(f.name) ? "on" : "off")
                                                                  : flags.get(f.name, "")));
  TrainingCheckpoint checkpoint(flags, out_path, {data_path}, fingerprint.hex());
  checkpoint.attach(&t);
  ProgressReporter reporter(/*every_message=*/true);
  const core::ProgressCallback progress = reporter.callback();
  t.on_epoch = [&](const EpochReport& r) {
    if (r.record == nullptr) return progress({"train", r.epoch, r.max_epochs, r.restart});
    char line[256];
    std::snprintf(line, sizeof line,
                  "epoch %d  distortion %.3f  rate %.3f  (validation %.3f / %.3f)  loss %.3f  best %.3f (epoch %d)",
                  r.epoch, r.record->train_terms[0], r.record->train_terms[1],
                  r.record->validation_terms[0], r.record->validation_terms[1],
                  r.record->validation_loss, r.best_validation_loss, r.best_epoch);
    progress({"train", r.epoch, r.max_epochs, line});
  };
  const vae::VaeTrainResult result = vae::train_vae(t, beta, data.x, &model);
  reporter.finish();
  const EpochRecord& best = result.summary.history[result.summary.best_epoch - 1];
  log_line("%s; at the best epoch: distortion %.4f, rate %.4f nats per sample (validation), "
           "ELBO %.4f", result.summary.message.c_str(), best.validation_terms[0],
           best.validation_terms[1], -(best.validation_terms[0] + best.validation_terms[1]));
  out.write_hdf5(out_path, [&](io::H5File& f) {
    vae::write_vae(f, model, result, beta, provenance_of(inv, o.seed));
  });
  out.commit();
  checkpoint.remove();
  log_line("wrote %s", out_path.c_str());
  return 0;
}

int encode(const Invocation& inv, const Flags& flags) {
  const std::string model_path = flags.required("model"), data_path = flags.required("data");
  const std::string out_path = flags.required("out");
  set_threads(flags.get_int("threads", 0));
  io::OutputFiles out({model_path, data_path});
  out.add(out_path);
  const Vae model = vae::load_vae(model_path);
  SampleData data = load_sample_data(data_path);
  core::check(data.shape.flat_dim() == model.x_dim(),
              data_path + ": /x holds " + data.shape.describe() + ", but " + model_path +
                  " was trained on " + model.x_shape().describe());
  Eigen::MatrixXd mean, std;
  model.encode(data.x, &mean, &std);
  out.write_hdf5(out_path, [&](io::H5File& f) {
    io::Provenance p = provenance_of(inv, 0);
    p.has_seed = false;
    p.parameter_names = data.parameter_names;
    for (int k = 0; k < model.latent_dim(); ++k) p.data_names.push_back("z_" + std::to_string(k));
    io::stamp_provenance(f, p);
    f.write_matrix("/z_mean", mean);
    f.write_matrix("/z_std", std);
    f.set_attr("/", "vae", model_path);
    if (data.theta.size() > 0) {  // a simulation file: the latents as the summary x for NPE
      f.write_matrix("/theta", data.theta);
      f.write_matrix("/x", mean);
      if (data.prior) f.set_attr("/", "prior", data.prior->to_string());
    }
  });
  out.commit();
  log_line("wrote the latents of %ld samples (K = %d) to %s%s", static_cast<long>(data.x.cols()),
           model.latent_dim(), out_path.c_str(),
           data.theta.size() > 0 ? " with /theta and /x = /z_mean, for sbi train" : "");
  return 0;
}

void write_images(const Invocation& inv, io::OutputFiles* out, const std::string& path,
                  const Vae& model, const Eigen::MatrixXd& z, std::uint64_t seed, bool with_z) {
  const Eigen::MatrixXd x = model.decode(z);
  out->write_hdf5(path, [&](io::H5File& f) {
    io::stamp_provenance(f, provenance_of(inv, seed));
    write_x(f, "/x", x, model.x_shape());
    if (with_z) f.write_matrix("/z", z);
  });
  out->commit();
  log_line("wrote %ld decoded samples to %s", static_cast<long>(x.cols()), path.c_str());
}

int decode(const Invocation& inv, const Flags& flags) {
  const std::string model_path = flags.required("model"), latents = flags.required("latents");
  const std::string out_path = flags.required("out");
  set_threads(flags.get_int("threads", 0));
  io::OutputFiles out({model_path, latents});
  out.add(out_path);
  const Vae model = vae::load_vae(model_path);
  io::H5File f = io::H5File::open_read(latents);
  const char* name = f.is_dataset("/z") ? "/z" : "/z_mean";
  core::check(f.is_dataset(name), latents + " has no /z or /z_mean dataset (latents, (N, K))");
  const Eigen::MatrixXd z = f.read_matrix(name);
  core::check(z.rows() == model.latent_dim(),
              latents + ": " + name + " has " + std::to_string(z.rows()) + " columns, but " +
                  model_path + " has a latent dimension of " + std::to_string(model.latent_dim()));
  write_images(inv, &out, out_path, model, z, 0, false);
  return 0;
}

int sample(const Invocation& inv, const Flags& flags) {
  const std::string model_path = flags.required("model"), out_path = flags.required("out");
  set_threads(flags.get_int("threads", 0));
  const long n = flags.get_int("num", -1);
  core::check(n >= 1, "--num must be given and >= 1");
  const std::uint64_t seed = flags.get_seed("seed", 0);
  io::OutputFiles out({model_path});
  out.add(out_path);
  const Vae model = vae::load_vae(model_path);
  core::check_memory(8.0 * static_cast<double>(n) * (model.x_dim() + model.latent_dim()),
                     "--num " + std::to_string(n) + " samples");
  Eigen::MatrixXd z(model.latent_dim(), n);
  core::Rng rng(seed, 0);
  core::fill_standard_normal(&rng, z.data(), static_cast<std::size_t>(z.size()));
  write_images(inv, &out, out_path, model, z, seed, true);
  return 0;
}

int evaluate(const Invocation& inv, const Flags& flags) {
  const std::string model_path = flags.required("model"), data_path = flags.required("data");
  set_threads(flags.get_int("threads", 0));
  const int k = flags.get_int32("iw-samples", 100);
  const std::uint64_t seed = flags.get_seed("seed", 0);
  std::vector<std::string> inputs{model_path, data_path};
  io::OutputFiles out(inputs);
  if (flags.has("out")) out.add(flags.get("out", ""));
  const Vae model = vae::load_vae(model_path);
  SampleData data = load_sample_data(data_path);
  core::check(data.shape.flat_dim() == model.x_dim(),
              data_path + ": /x holds " + data.shape.describe() + ", but " + model_path +
                  " was trained on " + model.x_shape().describe());
  core::Rng rng(seed, 1);
  const vae::ElboTerms terms = vae::elbo_terms(model, model.to_network(data.x, "x"), &rng);
  const Eigen::RowVectorXd log_p = vae::importance_weighted_log_likelihood(model, data.x, k, &rng);
  const double n = static_cast<double>(data.x.cols());
  const double mean = log_p.mean();
  const double se = std::sqrt((log_p.array() - mean).square().sum() / std::max(1.0, n - 1) / n);
  std::printf("%s on %s (%ld samples), nats per sample:\n", model_path.c_str(), data_path.c_str(),
              static_cast<long>(n));
  std::printf("  distortion %.4f  rate %.4f  ELBO %.4f\n", terms.distortion, terms.rate, terms.elbo());
  std::printf("  importance-weighted log-likelihood (K = %d) %.4f +- %.4f\n", k, mean, se);
  if (flags.has("out")) {
    out.write_hdf5(flags.get("out", ""), [&](io::H5File& f) {
      io::stamp_provenance(f, provenance_of(inv, seed));
      f.write_vector("/log_likelihood", log_p.transpose());
      f.set_attr("/", "distortion", terms.distortion);
      f.set_attr("/", "rate", terms.rate);
      f.set_attr("/", "iw_samples", static_cast<std::int64_t>(k));
    });
    out.commit();
  }
  return 0;
}

}  // namespace

int cmd_vae(const Invocation& inv) {
  Flags flags(inv.args, command_spec("vae"));
  const std::vector<std::string>& pos = flags.positional();
  core::check(pos.size() == 1, "sbi vae needs one of train, encode, decode, sample, evaluate "
                               "(run sbi vae --help)");
  const std::string& what = pos[0];
  if (what == "train") return train(inv, flags);
  core::check(!flags.has("checkpoint") && !flags.on("resume"),
              "sbi vae " + what + ": --checkpoint and --resume are for sbi vae train");
  if (what == "encode") return encode(inv, flags);
  if (what == "decode") return decode(inv, flags);
  if (what == "sample") return sample(inv, flags);
  if (what == "evaluate") return evaluate(inv, flags);
  throw core::Error("unknown vae command '" + what + "' (expected train, encode, decode, sample or evaluate)");
}

}  // namespace sbi::app
