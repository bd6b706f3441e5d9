// sbi cosmo: theory curves of a flat w0CDM cosmology to HDF5: the linear matter power
// spectrum P(k, z) (Eisenstein & Hu transfer function, normalised to σ8), the growth factor
// D(z)/D(0) and, for a source redshift, the Limber convergence power spectrum C_ℓ
// (simulators/cosmology/).
//
//   /k         (nk,)      wavenumbers [h/Mpc], log-spaced from --kmin to --kmax
//   /z         (nz,)      redshifts, as given by --z
//   /pk        (nz, nk)   P(k, z) [(Mpc/h)^3]
//   /growth    (nz,)      D(z) / D(0)
//   /ell       (nell,)    multipoles, log-spaced (with --source-z)
//   /cl_kappa  (nell,)    convergence C_ℓ [dimensionless, per steradian] (with --source-z)
// Root attributes: the cosmology (omega_m, omega_b, h, n_s, sigma8, w0, t_cmb), transfer,
// sigma8_computed (σ8 recomputed from the normalised P(k)), provenance. Each dataset has a
// "units" attribute and dimension scales (k, z, ell) so netCDF readers see named axes.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "apps/progress_reporter.h"
#include "core/error.h"
#include "io/h5_file.h"
#include "io/output_files.h"
#include "io/provenance.h"
#include "simulators/cosmology/convergence.h"
#include "simulators/cosmology/power_spectrum.h"
#include "simulators/cosmology/transfer.h"

namespace sbi::app {
namespace {

namespace cosmo = simulators::cosmology;

// Comma-separated redshifts, each finite and >= 0.
std::vector<double> parse_redshifts(const std::string& text) {
  std::vector<double> z;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    core::check(!item.empty() && *end == '\0' && std::isfinite(v) && v >= 0,
                "--z expects comma-separated redshifts >= 0 (e.g. 0,0.5,1), got '" + text + "'");
    z.push_back(v);
  }
  core::check(!z.empty() && text.back() != ',',
              "--z expects comma-separated redshifts >= 0 (e.g. 0,0.5,1), got '" + text + "'");
  return z;
}

cosmo::TransferForm parse_transfer(const std::string& name) {
  if (name == "eh" || name == "eh_full") return cosmo::TransferForm::kWithBaryons;
  if (name == "eh_nowiggle" || name == "eh_no_wiggle") return cosmo::TransferForm::kNoWiggle;
  throw core::Error("--transfer must be eh (with baryon wiggles) or eh_nowiggle, got '" + name + "'");
}

// n values log-spaced from lo to hi inclusive (n >= 2).
std::vector<double> log_space(double lo, double hi, int n) {
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i)
    v[i] = i == n - 1 ? hi : lo * std::pow(hi / lo, static_cast<double>(i) / (n - 1));
  return v;
}

Eigen::VectorXd to_vector(const std::vector<double>& v) {
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

// Cosmology::is_valid names the field; the user typed the flag.
void check_cosmology(const cosmo::Cosmology& c) {
  std::string error;
  if (c.is_valid(&error)) return;
  static const std::pair<const char*, const char*> kFlags[] = {
      {"omega_m", "--omega-m"}, {"omega_b", "--omega-b"}, {"h", "--h"}, {"n_s", "--ns"},
      {"sigma8", "--sigma8"},   {"w0", "--w0"},           {"t_cmb", "--tcmb"}};
  const std::string prefix = "Cosmology::";
  if (error.rfind(prefix, 0) == 0) {
    const std::string rest = error.substr(prefix.size());
    for (const auto& [field, flag] : kFlags)
      if (rest.rfind(std::string(field) + " ", 0) == 0)
        throw core::Error(std::string(flag) + ": " + rest);
  }
  throw core::Error(error);
}

}  // namespace

int cmd_cosmo(const Invocation& inv) {
  Flags flags(inv.args, command_spec("cosmo"));
  const std::string out_path = flags.required("out");
  cosmo::Cosmology c;
  for (const char* name : {"omega-m", "omega-b", "h", "sigma8", "ns"})
    core::check(flags.has(name), "missing required flag --" + std::string(name));
  c.omega_m = flags.get_double("omega-m", NAN);
  c.omega_b = flags.get_double("omega-b", NAN);
  c.h = flags.get_double("h", NAN);
  c.sigma8 = flags.get_double("sigma8", NAN);
  c.n_s = flags.get_double("ns", NAN);
  c.w0 = flags.get_double("w0", -1.0);
  c.t_cmb = flags.get_double("tcmb", 2.725);
  check_cosmology(c);

  const std::vector<double> z = parse_redshifts(flags.get("z", "0"));
  const double kmin = flags.get_double("kmin", 1e-3), kmax = flags.get_double("kmax", 10);
  const int nk = flags.get_int32("nk", 41);
  core::check(nk >= 2 && nk <= 1000000, "--nk " + std::to_string(nk) + " must be in [2, 1000000]");
  char range[160];
  std::snprintf(range, sizeof range, "[%g, %g] h/Mpc", cosmo::kMinWavenumber, cosmo::kMaxWavenumber);
  core::check(std::isfinite(kmin) && kmin >= cosmo::kMinWavenumber && kmin < kmax,
              "--kmin " + flags.get("kmin", "1e-3") + " must lie in the Eisenstein & Hu fit's range " +
                  range + " and be < --kmax");
  core::check(std::isfinite(kmax) && kmax <= cosmo::kMaxWavenumber,
              "--kmax " + flags.get("kmax", "10") + " is outside the Eisenstein & Hu fit's range " + range +
                  " (beyond it non-linear and baryonic physics dominate)");
  const cosmo::TransferForm form = parse_transfer(flags.get("transfer", "eh"));

  const bool lensing = flags.has("source-z");
  for (const char* name : {"ell-min", "ell-max", "nell"})
    core::check(lensing || !flags.has(name), "--" + std::string(name) + " needs --source-z");
  const double source_z = flags.get_double("source-z", 1.0);
  const double ell_min = flags.get_double("ell-min", 10), ell_max = flags.get_double("ell-max", 5000);
  const int nell = flags.get_int32("nell", 40);
  if (lensing) {
    core::check(std::isfinite(source_z) && source_z > 0 && source_z <= 20,
                "--source-z " + flags.get("source-z", "") + " must be in (0, 20]");
    core::check(std::isfinite(ell_min) && ell_min >= 1 && std::isfinite(ell_max) && ell_max > ell_min,
                "--ell-min and --ell-max must satisfy 1 <= ell-min < ell-max");
    core::check(nell >= 2 && nell <= 1000000, "--nell " + std::to_string(nell) + " must be in [2, 1000000]");
  }

  io::OutputFiles out;
  out.add(out_path);

  cosmo::PowerSpectrumOptions po;
  po.transfer = form;
  const cosmo::LinearPowerSpectrum power(c, po);
  const std::vector<double> k = log_space(kmin, kmax, nk);
  std::vector<double> pk(z.size() * k.size()), growth(z.size());
  for (std::size_t i = 0; i < z.size(); ++i) {
    growth[i] = power.growth().normalised_at_z(z[i]);
    for (std::size_t j = 0; j < k.size(); ++j) pk[i * k.size() + j] = power(k[j], z[i]);
  }
  std::vector<double> ell, cl;
  if (lensing) {
    const cosmo::ConvergenceSpectrum spectrum(power, source_z);
    ell = log_space(ell_min, ell_max, nell);
    for (double l : ell) cl.push_back(spectrum(l));
  }

  out.write_hdf5(out_path, [&](io::H5File& f) {
    io::Provenance p;
    p.command_line = inv.command_line;
    io::stamp_provenance(f, p);
    f.set_attr("/", "omega_m", c.omega_m);
    f.set_attr("/", "omega_b", c.omega_b);
    f.set_attr("/", "h", c.h);
    f.set_attr("/", "n_s", c.n_s);
    f.set_attr("/", "sigma8", c.sigma8);
    f.set_attr("/", "sigma8_computed", power.sigma_r(8.0));
    f.set_attr("/", "w0", c.w0);
    f.set_attr("/", "t_cmb", c.t_cmb);
    f.set_attr("/", "transfer", form == cosmo::TransferForm::kWithBaryons ? "eh" : "eh_nowiggle");
    f.set_attr("/", "background", "flat w0CDM, no radiation");
    f.write_vector("/k", to_vector(k));
    f.set_attr("/k", "units", "h/Mpc");
    f.make_dimension_scale("/k", "k");
    f.write_vector("/z", to_vector(z));
    f.set_attr("/z", "units", "redshift");
    f.make_dimension_scale("/z", "z");
    f.write_array("/pk", {z.size(), k.size()}, pk);
    f.set_attr("/pk", "units", "(Mpc/h)^3");
    f.set_attr("/pk", "description", "linear matter power spectrum P(k, z)");
    f.attach_dimension_scale("/pk", 0, "/z");
    f.attach_dimension_scale("/pk", 1, "/k");
    f.write_vector("/growth", to_vector(growth));
    f.set_attr("/growth", "units", "dimensionless");
    f.set_attr("/growth", "description", "linear growth factor D(z) / D(0)");
    f.attach_dimension_scale("/growth", 0, "/z");
    if (lensing) {
      f.write_vector("/ell", to_vector(ell));
      f.set_attr("/ell", "units", "dimensionless");
      f.make_dimension_scale("/ell", "ell");
      f.write_vector("/cl_kappa", to_vector(cl));
      f.set_attr("/cl_kappa", "units", "dimensionless (per steradian)");
      f.set_attr("/cl_kappa", "description", "Limber convergence power spectrum, single source plane");
      f.set_attr("/cl_kappa", "source_redshift", source_z);
      f.attach_dimension_scale("/cl_kappa", 0, "/ell");
    }
  });
  out.commit();
  log_line("wrote P(k) at %zu redshifts x %d wavenumbers%s to %s (sigma8 recomputed %.8f)", z.size(), nk,
           lensing ? " and the convergence C_ell" : "", out_path.c_str(), power.sigma_r(8.0));
  return 0;
}

}  // namespace sbi::app
