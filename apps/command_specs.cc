#include "apps/command_specs.h"

#include "apps/train_flags.h"
#include "core/error.h"

namespace sbi::app {
namespace {

constexpr FlagKind kValue = FlagKind::kValue;
constexpr FlagKind kSwitch = FlagKind::kSwitch;

// Flags several commands share, with the same meaning everywhere.
FlagSpec threads() {
  return {"threads", kValue, "T", "0", "OpenMP threads; 0: one per processor (more are capped)"};
}
FlagSpec seed(const std::string& what) { return {"seed", kValue, "S", "0", "seed of " + what}; }
FlagSpec task_params() {
  return {"param", FlagKind::kRepeated, "KEY=VALUE", "",
          "a setting of the task, repeatable (lensing: psf_file=FILE, noise_file=FILE, npix=48, ...)"};
}
FlagSpec prior(const std::string& default_text) {
  return {"prior", kValue, "SPEC|FILE", default_text,
          "a prior spec, e.g. \"uniform(-1,1)*2,truncnormal(0,1,-2,2)\", or a TOML prior file "
          "(one [[parameter]] table per parameter)"};
}
FlagSpec checkpoint() {
  return {"checkpoint", kValue, "FILE", "OUT.checkpoint",
          "the training state, written after every epoch, removed at the end"};
}
FlagSpec resume() {
  return {"resume", kSwitch, "", "", "continue the run of --checkpoint (same data and settings)"};
}
FlagSpec no_prior_restriction() {
  return {"no-prior-restriction", kSwitch, "", "",
          "keep posterior draws outside the prior's support"};
}

std::vector<CommandSpec> make_specs() {
  std::vector<CommandSpec> specs;
  specs.push_back(
      {"simulate",
       "(--task NAME | --plugin LIB.so --prior SPEC|FILE) (--num N | --theta theta.h5) "
       "--out sims.h5 [flags]",
       "simulate (theta, x) pairs from a task's prior, or x at given theta; or with a simulator "
       "plugin (include/sbi_plugin.h)",
       {{"task", kValue, "NAME", "",
         "two_moons, gaussian_linear, gaussian_linear_uniform, slcp, dwarf, cosmo_field, "
         "lensing or galaxy_images"},
        {"plugin", kValue, "LIB.so", "",
         "simulate with this plugin library instead of a task (needs --prior); failed "
         "simulations get NaN x and a 1 in /failed"},
        {"plugin-failures", kValue, "POLICY", "record",
         "a plugin's failed simulations: record (count them, keep going) or fatal (an error)"},
        {"num", kValue, "N", "", "number of prior draws to simulate"},
        {"theta", kValue, "FILE", "", "simulate at the rows of FILE's /theta instead of prior draws"},
        {"chunk", kValue, "K", "10000",
         "a run of more simulations is done in chunks of K, each kept in OUT.chunks/ as it finishes"},
        {"resume", kSwitch, "", "", "continue a killed run: read back its finished chunks (same settings)"},
        {"out", kValue, "FILE", "", "the simulations: /theta, /x and provenance"},
        prior("the task's"),
        seed("the simulations (simulation i uses the stream (S, i), for any --threads)"),
        threads(), task_params()}});
  CommandSpec train{"train", "--data sims.h5 --out model.h5 [flags]",
                    "train a posterior estimator q(theta | x) on simulations",
                    {{"data", kValue, "FILE", "", "the training pairs: /theta and /x"},
                     {"out", kValue, "FILE", "", "the trained model"},
                     threads(),
                     prior("the data file's"),
                     {"nonfinite", kValue, "POLICY", "drop",
                      "rows whose x holds NaN or Inf: drop (and count) or error"},
                     {"mask", kValue, "FILE", "", "FILE's /mask (1 = use the pixel) ignores pixels of x"},
                     checkpoint(), resume(),
                     {"target", kValue, "NAME", "theta",
                      "what the model learns: theta (the posterior q(theta | x)) or x (the likelihood "
                      "q(x | theta), an emulator for sbi emulate; vector x only)"},
                     {"noise-sigma", kValue, "S", "",
                      "add fresh Gaussian noise of standard deviation S to x in every training "
                      "batch (for simulations stored without noise, e.g. --param noise_sigma=0)"},
                     {"noise-map", kValue, "FILE", "",
                      "the same with FILE's /noise_map as the standard deviation per pixel"},
                     {"memory-budget", kValue, "SIZE", "",
                      "memory the data may take (e.g. 2GiB, 500MB); a file needing more is streamed: "
                      "read a chunk at a time, shuffled by chunks and within windows of chunks"},
                     {"augment-symmetries", kSwitch, "", "",
                      "replace every training pair by its image under a random exact symmetry of the "
                      "simulator that the data file records (lensing: the square grid's 8 rotations and "
                      "reflections, with their action on theta), afresh in every batch"},
                     {"unbounded-theta", kSwitch, "", "",
                      "train the flow on the prior's support transform of theta (logit of each bounded "
                      "parameter, log of a lognormal one): no posterior mass outside the prior, none "
                      "rejected, no smearing at a bound; needs the prior"},
                     {"balance", kValue, "L", "0",
                      "balanced NPE (Delaunoy et al. 2023): add L (E_joint d + E_marginal d - 1)^2 to the "
                      "loss, d = sigmoid(log q(theta | x) - log prior(theta)), against overconfident "
                      "posteriors; the paper uses 100; realnvp, nsf; needs the prior; 0: plain NPE"}}};
  for (FlagSpec& f : train_flag_specs()) train.flags.push_back(f);
  specs.push_back(train);
  CommandSpec infer{
      "infer",
      "(--task NAME | --plugin LIB.so --prior SPEC|FILE) --observation obs.h5 --out posterior.h5 "
      "[--method tsnpe|snpe-c|snle] [--rounds R] "
      "[--num-per-round N] [--ensemble K] [flags]",
      "sequential inference for one observation: rounds of propose, simulate, train (TSNPE, SNPE-C or SNLE)",
      {{"task", kValue, "NAME", "", "the simulator and its prior, as for simulate"},
       task_params(),
       {"plugin", kValue, "LIB.so", "", "simulate with this plugin library instead of a task (needs --prior); "
                                        "failed simulations are left out of their round"},
       prior("the task's"),
       {"observation", kValue, "FILE", "", "/x: the one observation"},
       {"out", kValue, "FILE", "", "the posterior draws of the last round's model, as sbi sample writes them"},
       {"method", kValue, "NAME", "tsnpe",
        "tsnpe (truncated sequential NPE: the prior truncated to the posterior's high-probability region), "
        "snpe-c (APT: proposals from the posterior, the atomic loss) or snle (sequential neural likelihood, "
        "proposals by slice sampling)"},
       {"num-atoms", kValue, "A", "10", "snpe-c: atoms per pair in the atomic loss"},
       {"rounds", kValue, "R", "10", "rounds of simulation and training"},
       {"num-per-round", kValue, "N", "1000", "simulations per round"},
       {"num", kValue, "N", "10000", "posterior draws written to OUT"},
       {"tail-mass", kValue, "EPS", "0.0001", "tsnpe: the posterior mass left outside the truncation region"},
       {"chains", kValue, "C", "100",
        "snle: slice-sampling chains for the proposals and the posterior (many: separated modes are weighed by "
        "how many chains start in each)"},
       {"warmup", kValue, "W", "100", "snle: warm-up steps per chain"},
       {"mcmc", kValue, "NAME", "slice", "snle: the MCMC sampler of the proposals and the posterior, slice or "
                                            "ensemble (then --chains are its walkers)"},
       {"rounds-folder", kValue, "DIR", "OUT.rounds",
        "where each round's simulations (round_RRR.h5) and model (model_RRR.h5) are kept"},
       {"resume", kSwitch, "", "", "continue after the last finished round of DIR (same command)"},
       {"ensemble", kValue, "K", "1",
        "train K models per round with different seeds and use their equal-weight mixture (proposals and the "
        "posterior)"},
       threads()}};
  for (FlagSpec& f : train_flag_specs()) infer.flags.push_back(f);
  specs.push_back(infer);
  specs.push_back({"ensemble", "--model a.h5 --model b.h5 [--model ...] --out ensemble.h5",
                   "mix models trained apart (e.g. sbi train --seed k) into one: q = (1/K) sum_k q_k",
                   {{"model", FlagKind::kRepeated, "FILE", "", "a model from sbi train (or an ensemble), repeatable"},
                    {"out", kValue, "FILE", "", "the ensemble, a model file every command reads"}}});
  specs.push_back(
      {"sample", "--model model.h5 --observation obs.h5 --out posterior.h5 [flags]",
       "draw from the posterior of each observation (a likelihood model: by MCMC)",
       {{"model", kValue, "FILE", "", "a model from sbi train"},
        {"observation", kValue, "FILE", "", "/x: one observation or K of them"},
        {"out", kValue, "FILE", "", "the draws, in the netCDF-compatible posterior layout"},
        {"num", kValue, "N", "10000", "draws per observation"},
        seed("the draws"), threads(), no_prior_restriction(),
        {"prior", kValue, "SPEC|FILE", "", "likelihood models (required): the prior of the posterior, "
                                           "a spec or a TOML prior file as for simulate"},
        {"mcmc", kValue, "NAME", "slice",
         "likelihood models: slice (slice sampling, coordinate by coordinate) or ensemble (the affine-invariant "
         "ensemble sampler: one batched network pass per step, invariant to correlations and scales)"},
        {"chains", kValue, "C", "4 (ensemble: max(32, 4 D), dividing --num)",
         "likelihood models: MCMC chains per observation (ensemble: walkers, even, >= 2 D)"},
        {"warmup", kValue, "W", "500", "likelihood models: warm-up steps discarded per chain"},
        {"thin", kValue, "T", "1", "likelihood models: keep every T-th step"}}});
  specs.push_back(
      {"map", "--model model.h5 --observation obs.h5 --out map.h5 [flags]",
       "maximise log q(theta | x) inside the prior's support (L-BFGS from posterior draws)",
       {{"model", kValue, "FILE", "", "a model from sbi train"},
        {"observation", kValue, "FILE", "", "/x: one observation or K of them"},
        {"out", kValue, "FILE", "", "the maximum a posteriori estimates"},
        {"starts", kValue, "K", "5", "optimisations from K starting points"},
        {"candidates", kValue, "C", "1000", "posterior draws the starts are chosen from"},
        {"max-iterations", kValue, "I", "500", "L-BFGS iterations per start"},
        seed("the candidate draws"), threads(), no_prior_restriction()}});
  specs.push_back(
      {"diagnose", "--model model.h5 --task NAME --num-sbc N --out report.h5 [flags]",
       "simulation-based calibration, expected coverage and TARP of a model",
       {{"model", kValue, "FILE", "", "a model from sbi train"},
        {"task", kValue, "NAME", "", "the task that simulates the test pairs"},
        {"num-sbc", kValue, "N", "", "fresh simulations to test on"},
        {"num-posterior-samples", kValue, "L", "1000", "posterior draws per simulation"},
        {"out", kValue, "FILE", "",
         "the report; figures <stem>_sbc.svg and <stem>_coverage.svg next to it"},
        {"tarp-reference", kValue, "NAME", "prior", "TARP's reference points: prior or box"},
        {"png", kSwitch, "", "", "also write PNG figures (needs rsvg-convert)"},
        seed("the simulations and draws"), threads(), task_params(), no_prior_restriction()}});
  specs.push_back(
      {"plot", "(corner posterior.h5 | images x.h5) --out FIGURE.svg [flags]",
       "corner plot of posterior draws, or a grid of the images in a file's /x (SVG, or PNG "
       "for an --out ending in .png)",
       {{"out", kValue, "FILE", "", "the figure, .svg or .png"},
        {"truth", kValue, "FILE", "", "corner: true values from FILE's /theta, (D,) or one row per observation"},
        {"observation", kValue, "K", "0", "corner: which observation of the posterior file"},
        {"bins", kValue, "B", "40", "corner: histogram bins per axis"},
        {"smooth", kValue, "S", "1", "corner: Gaussian smoothing of the 2-D histograms, in bins"},
        {"num", kValue, "N", "16", "images: the first N images"},
        {"columns", kValue, "C", "4", "images: images per row"},
        {"pixel-size", kValue, "P", "3", "images: SVG pixels per image pixel"},
        {"per-image-scale", kSwitch, "", "", "images: stretch each image on its own (default: one stretch for all)"},
        {"title", kValue, "TEXT", "", "a title above the plot"},
        {"png", kSwitch, "", "", "also write a PNG next to the SVG"}},
       2});
  specs.push_back({"export", "posterior.h5 --format getdist|csv --out ROOT",
                   "write posterior draws as GetDist chains or CSV",
                   {{"format", kValue, "NAME", "", "getdist (ROOT.txt, .paramnames, .ranges) or csv"},
                    {"out", kValue, "ROOT", "", "the output files' path without extension"}},
                   1});
  specs.push_back(
      {"lens-fit", "--observation obs.h5 (--start posterior.h5 | --theta theta.h5) --out fit.h5",
       "least-squares lens model of each image (Levenberg-Marquardt with Ceres)",
       {{"observation", kValue, "FILE", "", "/x: lensing images, (H, W) or (K, H, W)"},
        {"start", kValue, "FILE", "", "start from the posterior mean of this posterior file"},
        {"theta", kValue, "FILE", "", "start from the rows of FILE's /theta"},
        {"out", kValue, "FILE", "", "the fit: /theta, /sigma, /covariance, /chi2, /model, ..."},
        {"mask", kValue, "FILE", "", "FILE's /mask (1 = use the pixel) leaves pixels out of chi^2"},
        {"max-iterations", kValue, "I", "200", "Levenberg-Marquardt iterations"},
        task_params()}});
  CommandSpec prior_command{
      "prior",
      "(sample --prior SPEC|FILE | sample --model prior.h5 | train --data images.h5) --num N "
      "--out FILE [flags]",
      "draws of a prior alone (/theta), draw i as `sbi simulate --seed S` draws it; or train a "
      "diffusion prior over images (score model of their principal components) and draw from it",
      {prior(""),
       {"model", kValue, "FILE", "", "sample: an image prior from sbi prior train; draws /x"},
       {"data", kValue, "FILE", "", "train: the images, /x of shape (N, H, W) or (N, C, H, W)"},
       {"components", kValue, "K", "256", "train: principal components kept, at most"},
       {"variance", kValue, "F", "0.999",
        "train: keep the fewest components holding this fraction of the images' variance"},
       {"num", kValue, "N", "", "sample: number of draws"},
       {"out", kValue, "FILE", "",
        "sample: the draws (/theta with the prior, names and units; or /x); train: the prior"},
       threads(), checkpoint(), resume()},
      1};
  // `sbi prior train` takes the flags of `sbi train` that set a score model and its training;
  // it refuses the others (prior_train_ignored_flags) when given.
  for (FlagSpec& f : train_flag_specs()) prior_command.flags.push_back(f);
  specs.push_back(prior_command);
  const std::vector<FlagSpec> lensed_source = {
      {"lens", kValue, "FILE", "",
       "the lens: theta_E, q, phi, gamma1, gamma2, the first five entries of a row of FILE's /theta"},
      {"lens-row", kValue, "R", "0", "the row of --lens's /theta"},
      {"source-pixel-scale", kValue, "S", "0.05", "side of a source pixel [arcsec]"},
      task_params()};
  specs.push_back(
      {"emulate", "--model emu.h5 --theta theta.h5 --num-per-theta K --out emulated.h5 [flags]",
       "simulations from a likelihood model (sbi train --target x): K draws of x at each theta",
       {{"model", kValue, "FILE", "", "a likelihood model q(x | theta) from sbi train --target x"},
        {"theta", kValue, "FILE", "", "/theta: the parameters to emulate at, one per row"},
        {"num-per-theta", kValue, "K", "1", "draws of x at each theta"},
        {"out", kValue, "FILE", "", "a simulation file: /theta (each row K times) and /x"},
        seed("the draws (theta row i uses the stream (S, i), for any --threads)"), threads()}});
  CommandSpec reconstruct{
      "reconstruct",
      "--prior prior.h5 --observation obs.h5 --lens lens.h5 --out source.h5 [flags]",
      "sample the source behind a lens: a diffusion prior over source images (sbi prior train) "
      "with the lensed image's Gaussian likelihood; also the regularised least-squares source",
      {{"prior", kValue, "FILE", "", "a diffusion prior over source images, from sbi prior train"},
       {"observation", kValue, "FILE", "", "/x: the lensed image, (H, W) or (1, H, W)"},
       {"mask", kValue, "FILE", "", "FILE's /mask (npix x npix, 1 = use the pixel) ignores pixels"},
       {"out", kValue, "FILE", "",
        "/samples, /mean, /std, /least_squares, /model; figures <stem>_samples.svg, "
        "<stem>_source.svg and <stem>_image.svg next to it"},
       {"num", kValue, "N", "64", "posterior draws"},
       {"guidance", kValue, "NAME", "convolved",
        "the likelihood at noise level t: convolved (Adam et al. 2022), dps (Chung et al. 2023) or tweedie"},
       {"sde-steps", kValue, "N", "500", "steps of the reverse SDE"},
       {"corrector-steps", kValue, "N", "0", "Langevin corrector steps per step (predictor-corrector)"},
       {"snr", kValue, "R", "0.1", "signal-to-noise ratio of the Langevin corrector"},
       {"lambda", kValue, "L", "",
        "least squares: the Tikhonov weight; default: chosen so that chi^2 = number of pixels"},
       seed("the draws"), threads()},
      0};
  for (const FlagSpec& f : lensed_source) reconstruct.flags.push_back(f);
  specs.push_back(reconstruct);
  CommandSpec lens_image{
      "lens-image",
      "--source images.h5 --lens lens.h5 --out obs.h5 [flags]",
      "the lensed, PSF-blurred, noisy image of a source image (a mock observation for sbi reconstruct)",
      {{"source", kValue, "FILE", "", "/x: source images, (N, H, W)"},
       {"source-index", kValue, "I", "0", "which image of --source"},
       {"out", kValue, "FILE", "", "/x the noisy image, /model without noise, /source, /theta the lens"},
       seed("the noise")},
      0};
  for (const FlagSpec& f : lensed_source) lens_image.flags.push_back(f);
  specs.push_back(lens_image);
  specs.push_back(
      {"vae",
       "(train --data x.h5 --latent K | encode --model vae.h5 --data x.h5 | decode --model "
       "vae.h5 --latents z.h5 | sample --model vae.h5 --num N | evaluate --model vae.h5 --data "
       "x.h5) --out FILE [flags]",
       "variational autoencoders: train on /x (vectors or images), encode to latents, decode, "
       "sample, evaluate",
       {{"data", kValue, "FILE", "", "train, encode, evaluate: /x, (N, D) or (N, H, W) or (N, C, H, W)"},
        {"model", kValue, "FILE", "", "encode, decode, sample, evaluate: a VAE from sbi vae train"},
        {"latents", kValue, "FILE", "", "decode: /z (N, K), or /z_mean from sbi vae encode"},
        {"num", kValue, "N", "", "sample: number of images drawn from the prior"},
        {"out", kValue, "FILE", "",
         "train: the VAE; encode: /z_mean, /z_std (and /theta, /x = /z_mean when the data have "
         "/theta, ready for sbi train); decode, sample: /x; evaluate: per-sample terms"},
        {"latent", kValue, "K", "8", "train: latent dimension"},
        {"encoder", kValue, "NAME", "mlp", "train: mlp or cnn (images)"},
        {"decoder", kValue, "NAME", "mlp", "train: mlp or conv (images)"},
        {"hidden", kValue, "H", "128", "train: width of the MLP layers"},
        {"layers", kValue, "L", "2", "train: hidden layers of the MLPs (0: linear)"},
        {"channels", kValue, "C1,C2,...", "16,32,64",
         "train: the cnn encoder's blocks (the conv decoder's, reversed)"},
        {"kernel", kValue, "K", "3", "train: convolution kernel size (odd)"},
        {"activation", kValue, "NAME", "relu", "train: relu, tanh, silu or elu"},
        {"likelihood", kValue, "NAME", "gaussian",
         "train: gaussian (on standardised data) or bernoulli (values in [0, 1])"},
        {"sigma", kValue, "S", "0.5", "train: the Gaussian's sigma in standardised units (learned from S)"},
        {"fixed-sigma", kSwitch, "", "", "train: keep sigma fixed instead of learning it"},
        {"beta", kValue, "B", "1", "train: weight of the rate (KL) in the loss; 1: the ELBO"},
        {"beta-schedule", kValue, "warmup:E|cyclical:E", "",
         "train: beta warmed up over E epochs, or cyclical with period E"},
        {"target-rate", kValue, "R", "", "train: steer beta so that the rate is R nats (PI controller)"},
        {"batch-size", kValue, "B", "128", "train: samples per gradient step"},
        {"lr", kValue, "L", "0.001", "train: Adam's initial learning rate", "learning-rate"},
        {"max-epochs", kValue, "E", "200", "train: at most this many epochs"},
        {"patience", kValue, "P", "20", "train: stop after P epochs without validation improvement"},
        {"iw-samples", kValue, "K", "100",
         "evaluate: draws per sample of the importance-weighted log-likelihood"},
        seed("the weights, the split and the draws"), threads(), checkpoint(), resume()},
       1});
  specs.push_back({"info", "FILE.h5", "what is in an HDF5 file, human readable", {}, 1});
  specs.push_back(
      {"cosmo", "--omega-m OM --omega-b OB --h H --sigma8 S8 --ns NS --out theory.h5 [flags]",
       "linear P(k, z), growth, sigma8 and convergence C_ell of a flat w0CDM cosmology",
       {{"omega-m", kValue, "OM", "", "matter density today"},
        {"omega-b", kValue, "OB", "", "baryon density today"},
        {"h", kValue, "H", "", "H0 / (100 km/s/Mpc)"},
        {"sigma8", kValue, "S8", "", "amplitude of the linear power at z = 0, 8 Mpc/h"},
        {"ns", kValue, "NS", "", "spectral index"},
        {"w0", kValue, "W", "-1", "dark-energy equation of state"},
        {"tcmb", kValue, "T", "2.725", "CMB temperature [K]"},
        {"z", kValue, "Z1,Z2,...", "0", "redshifts of P(k, z)"},
        {"kmin", kValue, "K", "1e-3", "smallest k [h/Mpc]"},
        {"kmax", kValue, "K", "10", "largest k [h/Mpc]"},
        {"nk", kValue, "N", "41", "k values, log-spaced"},
        {"transfer", kValue, "NAME", "eh", "Eisenstein & Hu transfer function: eh or eh_nowiggle"},
        {"source-z", kValue, "ZS", "", "source redshift: also write the convergence C_ell"},
        {"ell-min", kValue, "L", "10", "smallest multipole (needs --source-z)"},
        {"ell-max", kValue, "L", "5000", "largest multipole (needs --source-z)"},
        {"nell", kValue, "N", "40", "multipoles, log-spaced (needs --source-z)"},
        {"out", kValue, "FILE", "", "the theory file"}}});
  return specs;
}

}  // namespace

const std::vector<CommandSpec>& command_specs() {
  static const std::vector<CommandSpec> specs = make_specs();
  return specs;
}

const CommandSpec& command_spec(const std::string& name) {
  for (const CommandSpec& s : command_specs())
    if (s.name == name) return s;
  throw core::Error("unknown command '" + name + "' (run `sbi --help`)");
}

}  // namespace sbi::app
