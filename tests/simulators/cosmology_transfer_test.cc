// The Eisenstein & Hu (1998) transfer functions against an independent transcription of the
// paper: simulators/cosmology/reference/eisenstein_hu_reference.py (plain python3, written
// equation by equation from EH98 without looking at transfer.cc). The table below is that
// script's output, pasted verbatim:
//
//   python3 simulators/cosmology/reference/eisenstein_hu_reference.py
//
// Columns: Ωm, Ωb, h, T_cmb [K], k [h/Mpc], T_full (EH98 Sec. 3), T_no_wiggle (Sec. 4.2).
#include "simulators/cosmology/transfer.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/simulators/error_message.h"

namespace sbi::simulators::cosmology {
namespace {

using testing::error_message;

// The tolerance. Both sides evaluate the same closed formulas in double precision, so
// the agreement is ~1e-14 unless an equation is transcribed differently.
constexpr double kReferenceTolerance = 1e-4;

struct Reference {
  double omega_m, omega_b, h, t_cmb, k, full, no_wiggle;
};

const Reference kReference[] = {
    {0.300, 0.050, 0.700, 2.725, 1e-04, 9.9990693860663593e-01, 9.9989945830766414e-01},
    {0.300, 0.050, 0.700, 2.725, 1e-03, 9.9225834686201464e-01, 9.9207879826316925e-01},
    {0.300, 0.050, 0.700, 2.725, 1e-02, 7.7996006516535443e-01, 7.8620741941203864e-01},
    {0.300, 0.050, 0.700, 2.725, 5e-02, 2.6778819446852864e-01, 2.7502763045090628e-01},
    {0.300, 0.050, 0.700, 2.725, 1e-01, 1.2868046527698104e-01, 1.3125706330829962e-01},
    {0.300, 0.050, 0.700, 2.725, 2e-01, 5.4133831482458553e-02, 5.3667506649153623e-02},
    {0.300, 0.050, 0.700, 2.725, 5e-01, 1.3825560735597108e-02, 1.3809016964193557e-02},
    {0.300, 0.050, 0.700, 2.725, 1e+00, 4.5906109588917674e-03, 4.5559244140331310e-03},
    {0.300, 0.050, 0.700, 2.725, 5e+00, 2.9949508514361584e-04, 2.9587935001385750e-04},
    {0.300, 0.050, 0.700, 2.725, 5e+01, 4.7260139180015001e-06, 4.6663419047958968e-06},
    {0.250, 0.080, 0.600, 2.725, 1e-04, 9.9981919499631644e-01, 9.9980521138181588e-01},
    {0.250, 0.080, 0.600, 2.725, 1e-03, 9.8601952486209821e-01, 9.8585813404602674e-01},
    {0.250, 0.080, 0.600, 2.725, 1e-02, 6.9828327229767140e-01, 7.0512482954626932e-01},
    {0.250, 0.080, 0.600, 2.725, 5e-02, 1.4747433073384331e-01, 1.6215447337419978e-01},
    {0.250, 0.080, 0.600, 2.725, 1e-01, 6.4924757866110169e-02, 6.6626500038250561e-02},
    {0.250, 0.080, 0.600, 2.725, 2e-01, 2.5425165421142166e-02, 2.4691572137674037e-02},
    {0.250, 0.080, 0.600, 2.725, 5e-01, 5.9148093370133218e-03, 5.8779169346457162e-03},
    {0.250, 0.080, 0.600, 2.725, 1e+00, 1.8978759106314787e-03, 1.8696650179436543e-03},
    {0.250, 0.080, 0.600, 2.725, 5e+00, 1.1684024385609226e-04, 1.1467636277848577e-04},
    {0.250, 0.080, 0.600, 2.725, 5e+01, 1.7676763543473835e-06, 1.7312709380898785e-06},
    {0.150, 0.020, 0.800, 2.725, 1e-04, 9.9972018345460589e-01, 9.9969869069815187e-01},
    {0.150, 0.020, 0.800, 2.725, 1e-03, 9.7964898179674098e-01, 9.7953289795466525e-01},
    {0.150, 0.020, 0.800, 2.725, 1e-02, 6.3772073032583076e-01, 6.4204667287123385e-01},
    {0.150, 0.020, 0.800, 2.725, 5e-02, 1.6964796363167869e-01, 1.6588860667437608e-01},
    {0.150, 0.020, 0.800, 2.725, 1e-01, 7.1233750020432959e-02, 7.0757690735539600e-02},
    {0.150, 0.020, 0.800, 2.725, 2e-01, 2.6233496468861674e-02, 2.6472234606840978e-02},
    {0.150, 0.020, 0.800, 2.725, 5e-01, 6.3410210448551036e-03, 6.3390333752213444e-03},
    {0.150, 0.020, 0.800, 2.725, 1e+00, 2.0305833216303156e-03, 2.0220945038828806e-03},
    {0.150, 0.020, 0.800, 2.725, 5e+00, 1.2506574253941043e-04, 1.2459730983284056e-04},
    {0.150, 0.020, 0.800, 2.725, 5e+01, 1.8925024387900347e-06, 1.8876312313389820e-06},
    {0.350, 0.045, 0.670, 2.500, 1e-04, 9.9994674085976498e-01, 9.9994246681503607e-01},
    {0.350, 0.045, 0.670, 2.500, 1e-03, 9.9536005096770253e-01, 9.9521682282428348e-01},
    {0.350, 0.045, 0.670, 2.500, 1e-02, 8.3625198178555638e-01, 8.4250125151192146e-01},
    {0.350, 0.045, 0.670, 2.500, 5e-02, 3.5422168057928771e-01, 3.6602481210309418e-01},
    {0.350, 0.045, 0.670, 2.500, 1e-01, 1.8908403110209496e-01, 1.9158180094883528e-01},
    {0.350, 0.045, 0.670, 2.500, 2e-01, 8.4621445915572843e-02, 8.4431830281930728e-02},
    {0.350, 0.045, 0.670, 2.500, 5e-01, 2.3118864333371417e-02, 2.3178786815566666e-02},
    {0.350, 0.045, 0.670, 2.500, 1e+00, 7.9010999200965805e-03, 7.8714665548999703e-03},
    {0.350, 0.045, 0.670, 2.500, 5e+00, 5.3822773296615159e-04, 5.3283153915581743e-04},
    {0.350, 0.045, 0.670, 2.500, 5e+01, 8.7571286143190979e-06, 8.6748148577347261e-06},
};

Cosmology cosmology_of(const Reference& r) {
  Cosmology c;
  c.omega_m = r.omega_m;
  c.omega_b = r.omega_b;
  c.h = r.h;
  c.t_cmb = r.t_cmb;
  return c;
}

TEST(CosmologyTransfer, MatchesTheIndependentReference) {
  double worst_full = 0, worst_nw = 0;
  for (const Reference& r : kReference) {
    const EisensteinHu full(cosmology_of(r), TransferForm::kWithBaryons);
    const EisensteinHu nw(cosmology_of(r), TransferForm::kNoWiggle);
    const double dev_full = std::abs(full(r.k) / r.full - 1);
    const double dev_nw = std::abs(nw(r.k) / r.no_wiggle - 1);
    worst_full = std::max(worst_full, dev_full);
    worst_nw = std::max(worst_nw, dev_nw);
    EXPECT_LT(dev_full, kReferenceTolerance) << "full, Ωm = " << r.omega_m << " k = " << r.k;
    EXPECT_LT(dev_nw, kReferenceTolerance) << "no-wiggle, Ωm = " << r.omega_m << " k = " << r.k;
  }
  RecordProperty("max_rel_dev_full", std::to_string(worst_full));
  RecordProperty("max_rel_dev_no_wiggle", std::to_string(worst_nw));
  std::printf("[ max relative deviation: full %.3g, no-wiggle %.3g ]\n", worst_full, worst_nw);
}

TEST(CosmologyTransfer, TendsToOneOnLargeScales) {
  // T = 1 - O(q² ln q) with q = k / (13.41 k_eq): at k = 1e-5 h/Mpc, q ~ 4e-5 and
  // 1 - T ~ (14.2 + 386) q² ~ 6e-7; the bound 1e-5 is that with room.
  for (const Reference& r : {kReference[0], kReference[10], kReference[20], kReference[30]}) {
    for (TransferForm form : {TransferForm::kWithBaryons, TransferForm::kNoWiggle}) {
      const EisensteinHu t(cosmology_of(r), form);
      EXPECT_NEAR(t(kMinWavenumber), 1.0, 1e-5);
      EXPECT_LT(t(kMinWavenumber), 1.0 + 1e-12);
      EXPECT_GT(t(kMinWavenumber), t(1e-4));
    }
  }
}

TEST(CosmologyTransfer, DerivedScales) {
  // The no-wiggle sound horizon of eq. 26 by hand for Ωm h² = 0.147, Ωb h² = 0.0245:
  // s = 44.5 ln(9.83 / 0.147) / sqrt(1 + 10 × 0.0245^0.75) Mpc.
  Cosmology c;
  c.omega_m = 0.3;
  c.omega_b = 0.05;
  c.h = 0.7;
  const EisensteinHu nw(c, TransferForm::kNoWiggle);
  const double s = 44.5 * std::log(9.83 / 0.147) / std::sqrt(1 + 10 * std::pow(0.0245, 0.75));
  EXPECT_NEAR(nw.sound_horizon(), s, 1e-12 * s);
  // The full sound horizon (eq. 6) is close to the approximation of eq. 26 (EH98: 2%).
  const EisensteinHu full(c, TransferForm::kWithBaryons);
  EXPECT_NEAR(full.sound_horizon() / s, 1.0, 0.02);
}

TEST(CosmologyTransfer, RefusesWavenumbersOutsideTheFit) {
  const EisensteinHu t(Cosmology{}, TransferForm::kWithBaryons);
  for (double k : {200.0, 1e-6, 0.0, -1.0, std::nan("")}) {
    EXPECT_NE(error_message([&] { t(k); }).find("outside the fitting formula's range [1e-05, 100] h/Mpc"),
              std::string::npos)
        << k;
  }
  EXPECT_NO_THROW(t(kMaxWavenumber));
  EXPECT_EQ(parse_transfer_form("eh_no_wiggle"), TransferForm::kNoWiggle);
  EXPECT_EQ(parse_transfer_form(transfer_form_name(TransferForm::kWithBaryons)),
            TransferForm::kWithBaryons);
  EXPECT_EQ(error_message([] { parse_transfer_form("bbks"); }),
            "parse_transfer_form: unknown transfer function 'bbks' (expected eh_full or eh_no_wiggle)");
  Cosmology bad;
  bad.omega_b = 0.3;
  EXPECT_NE(error_message([&] { EisensteinHu e(bad, TransferForm::kNoWiggle); })
                .find("EisensteinHu: Cosmology::omega_b = 0.3 must be < omega_m = 0.3"),
            std::string::npos);
}

}  // namespace
}  // namespace sbi::simulators::cosmology
