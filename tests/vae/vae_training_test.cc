// Training VAEs: a linear-Gaussian VAE on probabilistic-PCA data reaches the exact pPCA
// log-likelihood (Tipping & Bishop 1999) and spans the principal subspace; β trades rate
// for distortion; the rate controller holds its target; files round-trip.
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "io/h5_file.h"
#include "testing/temp_dir.h"
#include "vae/elbo_objective.h"
#include "vae/importance_weighted.h"
#include "vae/vae_file.h"
#include "vae/vae_trainer.h"

namespace sbi::vae {
namespace {

constexpr int kDim = 6, kLatent = 2;

// x = W z + μ + σ ε with z ~ N(0, I_2), ε ~ N(0, I_6): probabilistic PCA.
nn::Matrix ppca_data(long n, std::uint64_t seed) {
  nn::Matrix w(kDim, kLatent);
  w << 2.0, 0.3, -1.0, 1.2, 0.5, -0.8, 1.5, 0.4, -0.7, 1.0, 0.2, -0.6;
  nn::Vector mu(kDim);
  mu << 1, -2, 0.5, 3, 0, -1;
  core::Rng rng(seed, 1);
  nn::Matrix x(kDim, n);
  for (long j = 0; j < n; ++j) {
    nn::Vector z(kLatent), e(kDim);
    for (int k = 0; k < kLatent; ++k) z[k] = rng.normal();
    for (int d = 0; d < kDim; ++d) e[d] = rng.normal();
    x.col(j) = w * z + mu + 0.3 * e;
  }
  return x;
}

// The maximum of the pPCA log-likelihood of the columns of u, per sample (Tipping & Bishop
// 1999, eq. 4 at the MLE of eqs. 7-8): -½ [d log 2π + Σ_{i<=K} log λ_i + (d - K) log σ² + d]
// with λ the eigenvalues of the sample covariance (divided by N) and σ² the mean of the
// d - K smallest. Also returns the top-K eigenvectors.
double ppca_log_likelihood(const nn::Matrix& u, nn::Matrix* principal) {
  const nn::Vector mean = u.rowwise().mean();
  const nn::Matrix c = u.colwise() - mean;
  const nn::Matrix s = c * c.transpose() / static_cast<double>(u.cols());
  Eigen::SelfAdjointEigenSolver<nn::Matrix> eig(s);
  const nn::Vector lambda = eig.eigenvalues().reverse();  // descending
  *principal = eig.eigenvectors().rowwise().reverse().leftCols(kLatent);
  const double sigma2 = lambda.tail(kDim - kLatent).mean();
  return -0.5 * (kDim * std::log(2 * M_PI) + lambda.head(kLatent).array().log().sum() +
                 (kDim - kLatent) * std::log(sigma2) + kDim);
}

Vae linear_vae() {
  VaeOptions o;
  o.latent = kLatent;
  o.layers = 0;  // linear encoder and decoder
  o.sigma = 0.5;
  o.learn_sigma = true;
  o.seed = 2;
  return Vae::create(o, core::DataShape::vector(kDim));
}

TEST(VaeTraining, LinearVaeReachesTheExactPpcaLikelihoodAndItsSubspace) {
  const nn::Matrix x = ppca_data(4000, 11);
  Vae vae = linear_vae();
  TrainOptions t;
  t.seed = 1;
  t.max_epochs = 400;
  t.patience = 40;
  t.learning_rate = 3e-3;
  const VaeTrainResult result = train_vae(t, BetaOptions{}, x, &vae);
  // Both sides in the VAE's standardised units u (per-dimension z-scores of x).
  const nn::Matrix u = vae.to_network(x, "x");
  nn::Matrix principal;
  const double exact = ppca_log_likelihood(u, &principal);
  // The ELBO per sample, its expectation over ε estimated with 50 draws per sample.
  double elbo = 0;
  core::Rng rng(5, 3);
  for (int r = 0; r < 50; ++r) elbo += elbo_terms(vae, u, &rng).elbo() - vae.log_abs_det();
  elbo /= 50;
  // Lucas et al. (2019): at the optimum the linear VAE's diagonal posterior is exact and the
  // ELBO equals the pPCA maximum likelihood. 1% of |exact| (~0.07 nats here) against a
  // trained gap that is typically 0.01 nats; the ELBO can never exceed the exact value by
  // more than the Monte Carlo error (0.003).
  EXPECT_NEAR(elbo, exact, 0.01 * std::abs(exact)) << "epochs " << result.summary.epochs;
  EXPECT_LT(elbo, exact + 0.01);
  // The decoder's columns span the principal subspace: principal angles from the singular
  // values of Q_decᵀ Q_pca, all below 3 degrees.
  const nn::Parameters params = vae.decoder().parameters();
  const nn::Matrix w_dec = *params[0].value;  // kDim x kLatent
  const nn::Matrix q_dec = Eigen::HouseholderQR<nn::Matrix>(w_dec).householderQ() *
                           nn::Matrix::Identity(kDim, kLatent);
  const Eigen::JacobiSVD<nn::Matrix> svd(q_dec.transpose() * principal);
  const double max_angle = std::acos(std::min(1.0, svd.singularValues().minCoeff())) * 180 / M_PI;
  EXPECT_LT(max_angle, 3.0);
  // The importance-weighted bound lies between the ELBO and the exact value (K = 64).
  core::Rng iw_rng(6, 1);
  const double iwae = (importance_weighted_log_likelihood(vae, x, 64, &iw_rng).mean() - vae.log_abs_det());
  std::printf("pPCA: exact log-likelihood %.5f, ELBO %.5f, IWAE(64) %.5f nats per sample; "
              "largest principal angle %.3f degrees; %d epochs\n",
              exact, elbo, iwae, max_angle, result.summary.epochs);
  EXPECT_GT(iwae, elbo - 0.01);
  EXPECT_LT(iwae, exact + 0.01);
  // History: both terms every epoch, β = 1 throughout.
  ASSERT_EQ(result.summary.term_names, (std::vector<std::string>{"distortion", "rate"}));
  ASSERT_EQ(result.betas.size(), static_cast<size_t>(result.summary.epochs));
  EXPECT_EQ(result.betas.front(), 1.0);
}

// A small nonlinear VAE on the pPCA data with a latent of 4, so that rate and distortion
// can trade against each other.
VaeTrainResult train_small(double beta, BetaOptions bo, Vae* vae, int epochs = 60) {
  const nn::Matrix x = ppca_data(3000, 12);
  VaeOptions o;
  o.latent = 4;
  o.hidden = 32;
  o.layers = 1;
  o.seed = 3;
  *vae = Vae::create(o, core::DataShape::vector(kDim));
  bo.beta = beta;
  TrainOptions t;
  t.seed = 2;
  t.max_epochs = epochs;
  t.patience = 0;  // the whole schedule
  return train_vae(t, bo, x, vae);
}

TEST(VaeTraining, RateFallsAndDistortionRisesWithBeta) {
  double last_rate = 1e300, last_distortion = -1e300;
  for (double beta : {0.3, 1.0, 3.0}) {
    Vae vae = linear_vae();
    const VaeTrainResult r = train_small(beta, BetaOptions{}, &vae);
    const EpochRecord& best = r.summary.history[r.summary.best_epoch - 1];
    const double distortion = best.validation_terms[0], rate = best.validation_terms[1];
    EXPECT_LT(rate, last_rate) << "beta " << beta;
    EXPECT_GT(distortion, last_distortion) << "beta " << beta;
    last_rate = rate;
    last_distortion = distortion;
  }
}

TEST(VaeTraining, TheControllerHoldsTheRateNearItsTarget) {
  BetaOptions bo;
  bo.kind = BetaScheduleKind::kTargetRate;
  bo.target_rate = 3.0;
  Vae vae = linear_vae();
  const VaeTrainResult r = train_small(1.0, bo, &vae, 80);
  // After the first 20 epochs every epoch's mean training rate is within 5% of the target.
  for (size_t e = 20; e < r.summary.history.size(); ++e)
    EXPECT_NEAR(r.summary.history[e].train_terms[1], 3.0, 0.15)
        << "epoch " << e + 1 << ", beta " << r.betas[e];
  EXPECT_GT(r.betas.back(), 0.0);
}

TEST(VaeTraining, SchedulesGiveTheirBetas) {
  BetaControl warm(parse_beta_schedule("warmup:4", 2.0));
  EXPECT_EQ(warm.begin_epoch(1), 0.5);
  EXPECT_EQ(warm.begin_epoch(4), 2.0);
  EXPECT_EQ(warm.begin_epoch(9), 2.0);
  BetaControl cyc(parse_beta_schedule("cyclical:4", 1.0));
  EXPECT_EQ(cyc.begin_epoch(1), 0.0);
  EXPECT_EQ(cyc.begin_epoch(2), 0.5);
  EXPECT_EQ(cyc.begin_epoch(3), 1.0);
  EXPECT_EQ(cyc.begin_epoch(4), 1.0);
  EXPECT_EQ(cyc.begin_epoch(5), 0.0);
  EXPECT_EQ(cyc.reference_beta(), 1.0);
  for (const char* bad : {"warmup", "warmup:0", "linear:3", "cyclical:x"}) {
    try {
      parse_beta_schedule(bad, 1.0);
      ADD_FAILURE() << bad;
    } catch (const core::Error& e) {
      EXPECT_NE(std::string(e.what()).find("--beta-schedule"), std::string::npos) << e.what();
    }
  }
  BetaOptions negative;
  negative.beta = -1;
  EXPECT_THROW(BetaControl{negative}, core::Error);
  BetaOptions no_target;
  no_target.kind = BetaScheduleKind::kTargetRate;
  no_target.target_rate = -2;
  EXPECT_THROW(BetaControl{no_target}, core::Error);
}

TEST(VaeFile, RoundTripGivesTheSameEncodingsAndDecodings) {
  testing::TempDir dir;
  Vae vae = linear_vae();
  const VaeTrainResult r = train_small(1.0, BetaOptions{}, &vae, 5);
  {
    io::H5File f = io::H5File::create(dir.file("vae.h5"));
    write_vae(f, vae, r, BetaOptions{}, io::Provenance{});
  }
  const Vae back = load_vae(dir.file("vae.h5"));
  const nn::Matrix x = ppca_data(20, 99);
  nn::Matrix m1, s1, m2, s2;
  vae.encode(x, &m1, &s1);
  back.encode(x, &m2, &s2);
  EXPECT_EQ(m1, m2);
  EXPECT_EQ(s1, s2);
  EXPECT_EQ(vae.decode(m1), back.decode(m1));
  // Damaged and foreign files are refused with the file named.
  {
    io::H5File f = io::H5File::open_read_write(dir.file("vae.h5"));
    f.set_attr("/", "format_version", std::int64_t{99});
  }
  try {
    load_vae(dir.file("vae.h5"));
    ADD_FAILURE();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("newer than this program reads"), std::string::npos) << e.what();
  }
  {
    io::H5File f = io::H5File::create(dir.file("other.h5"));
    f.write_vector("/x", nn::Vector::Zero(3));
  }
  EXPECT_THROW(load_vae(dir.file("other.h5")), core::Error);
  // Data of another size is refused.
  EXPECT_THROW(back.encode(nn::Matrix::Zero(kDim + 1, 2), &m2, &s2), core::Error);
  nn::Matrix nan = x;
  nan(2, 3) = std::nan("");
  EXPECT_THROW(back.encode(nan, &m2, &s2), core::Error);
}

}  // namespace
}  // namespace sbi::vae
