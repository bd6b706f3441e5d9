#include "simulators/registry.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <algorithm>
#include <functional>

#include "core/error.h"
#include "simulators/cosmo_field.h"
#include "simulators/dwarf.h"
#include "simulators/galaxy_images.h"
#include "simulators/gaussian_linear.h"
#include "simulators/lensing.h"
#include "simulators/slcp.h"
#include "simulators/two_moons.h"

namespace sbi::simulators {
namespace {

using Params = std::map<std::string, std::string>;

struct Entry {
  const char* name;
  std::vector<std::string> keys;
  std::function<Task(const Params&, const DatasetReader&)> make;
};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "(none)" : out;
}

[[noreturn]] void bad_value(const std::string& task, const std::string& key,
                            const std::string& value, const char* expected) {
  throw core::Error("make_task: " + task + " parameter " + key + " = '" + value + "' is not " +
                    expected);
}

// Sets *out from params[key] when present; the whole string must parse.
void read(const Params& p, const std::string& task, const std::string& key, double* out) {
  const auto it = p.find(key);
  if (it == p.end()) return;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (it->second.empty() || *end != '\0' || !std::isfinite(v))
    bad_value(task, key, it->second, "a finite number");
  *out = v;
}

void read(const Params& p, const std::string& task, const std::string& key, int* out) {
  const auto it = p.find(key);
  if (it == p.end()) return;
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end != '\0' || errno == ERANGE || v < 1 || v > 1000000)
    bad_value(task, key, it->second, "an integer in 1..1000000");
  *out = static_cast<int>(v);
}

void read(const Params& p, const std::string& task, const std::string& key,
          AnisotropyModel* out) {
  const auto it = p.find(key);
  if (it == p.end()) return;
  if (it->second == "constant") *out = AnisotropyModel::kConstant;
  else if (it->second == "om") *out = AnisotropyModel::kOsipkovMerritt;
  else bad_value(task, key, it->second, "constant or om");
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string::size_type start = 0;
  while (true) {
    const auto end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

// cosmo_field: the --param keys of the map options under the names the library's messages use.
const std::pair<const char*, const char*> kCosmoFieldRenames[] = {
    {"CosmoFieldConfig::map: ConvergenceMapOptions::source_redshift", "z_s"},
    {"CosmoFieldConfig::map: ConvergenceMapOptions::galaxy_density", "n_gal"},
    {"CosmoFieldConfig::map: ConvergenceMapOptions::", ""},
    {"CosmoFieldConfig::fixed: Cosmology::", ""},
    {"CosmoFieldConfig::", ""},
};

Task make_cosmo_field(const Params& p) {
  const std::string task = "cosmo_field";
  CosmoFieldConfig c;
  if (p.count("free")) c.free = split(p.at("free"), ',');
  // Fixed values: only for parameters that are not in θ.
  cosmology::Cosmology& f = c.fixed;
  const std::pair<const char*, double*> fixed[] = {{"omega_m", &f.omega_m}, {"sigma8", &f.sigma8},
                                                   {"w0", &f.w0},           {"h", &f.h},
                                                   {"n_s", &f.n_s},         {"omega_b", &f.omega_b},
                                                   {"t_cmb", &f.t_cmb}};
  for (const auto& [key, slot] : fixed) {
    if (!p.count(key)) continue;
    core::check(std::find(c.free.begin(), c.free.end(), key) == c.free.end(),
                "make_task: cosmo_field parameter " + std::string(key) +
                    " is free (an entry of theta); to fix it, leave it out of free=" +
                    (p.count("free") ? p.at("free") : "omega_m,sigma8"));
    read(p, task, key, slot);
  }
  if (p.count("field")) {
    const std::string& v = p.at("field");
    if (v == "gaussian") c.map.field = cosmology::FieldKind::kGaussian;
    else if (v == "lognormal") c.map.field = cosmology::FieldKind::kLognormal;
    else bad_value(task, "field", v, "gaussian or lognormal");
  }
  if (p.count("transfer")) {
    const std::string& v = p.at("transfer");
    if (v == "eh" || v == "eh_full") c.map.power.transfer = cosmology::TransferForm::kWithBaryons;
    else if (v == "eh_nowiggle" || v == "eh_no_wiggle") c.map.power.transfer = cosmology::TransferForm::kNoWiggle;
    else bad_value(task, "transfer", v, "eh or eh_nowiggle");
  }
  read(p, task, "pixels", &c.map.pixels);
  read(p, task, "side_deg", &c.map.side_deg);
  read(p, task, "z_s", &c.map.source_redshift);
  read(p, task, "shape_noise", &c.map.shape_noise);
  read(p, task, "n_gal", &c.map.galaxy_density);
  read(p, task, "power_bins", &c.power_bins);
  read(p, task, "smoothing_arcmin", &c.smoothing_arcmin);
  if (p.count("summary")) {
    c.power = c.peaks = c.moments = false;
    if (p.at("summary") == "map") {
      c.map_summary = true;  // x = the map, image-shaped (N, n, n) in the files
    } else {
      for (const std::string& part : split(p.at("summary"), '+')) {
        if (part == "power") c.power = true;
        else if (part == "peaks") c.peaks = true;
        else if (part == "moments") c.moments = true;
        else bad_value(task, "summary", p.at("summary"),
                       "map, or power, peaks, moments or a '+' combination of them (power+peaks)");
      }
    }
  }
  if (p.count("peak_edges")) {
    c.peak_edges.clear();
    for (const std::string& item : split(p.at("peak_edges"), ',')) {
      double v = 0;
      read({{"peak_edges", item}}, task, "peak_edges", &v);
      c.peak_edges.push_back(v);
    }
  }
  std::string error;
  if (!c.is_valid(&error)) {
    for (const auto& [from, to] : kCosmoFieldRenames) {
      const auto at = error.find(from);
      if (at != std::string::npos) {
        error.replace(at, std::string(from).size(), to);
        break;
      }
    }
    throw core::Error("make_task: cosmo_field: " + error);
  }
  return make_cosmo_field_task(c);
}

// lensing: psf_file / noise_file name a file whose /psf or /noise_map is read by `reader`.
Eigen::MatrixXd read_file_dataset(const Params& p, const std::string& key,
                                  const std::string& dataset, const DatasetReader& reader) {
  const std::string& path = p.at(key);
  core::check(static_cast<bool>(reader),
              "make_task: lensing parameter " + key + " = '" + path +
                  "' needs a file reader, which this caller did not pass (simulators/ cannot read "
                  "HDF5 files; apps/ passes one)");
  return reader(path, dataset);
}

Task make_lensing(const Params& p, const DatasetReader& reader) {
  const std::string task = "lensing";
  LensingConfig c;
  read(p, task, "npix", &c.npix);
  read(p, task, "pixel_scale", &c.pixel_scale);
  read(p, task, "supersample", &c.supersample);
  read(p, task, "psf_fwhm", &c.psf_fwhm);
  read(p, task, "psf_size", &c.psf_size);
  read(p, task, "noise_sigma", &c.noise_sigma);
  if (p.count("poisson")) {
    const std::string& v = p.at("poisson");
    if (v != "0" && v != "1") bad_value(task, "poisson", v, "0 or 1");
    c.poisson = v == "1";
  }
  // A file replaces what the other key sets.
  const struct {
    const char *file, *other, *replaced;
  } kExclusive[] = {{"psf_file", "psf_fwhm", "the Gaussian PSF"},
                    {"psf_file", "psf_size", "the Gaussian PSF"},
                    {"noise_file", "noise_sigma", "the uniform noise"}};
  for (const auto& e : kExclusive)
    core::check(!(p.count(e.file) && p.count(e.other)),
                "make_task: lensing parameters " + std::string(e.file) + " and " + e.other +
                    " exclude each other (the file replaces " + e.replaced + ")");
  // Which file each config field came from, for the messages.
  std::vector<std::pair<std::string, std::string>> renames;
  if (p.count("psf_file")) {
    c.psf_image = read_file_dataset(p, "psf_file", "/psf", reader);
    renames.push_back({"LensingConfig::psf_image: Psf: the PSF image",
                       "psf_file " + p.at("psf_file") + ": /psf"});
  }
  if (p.count("noise_file")) {
    c.noise_map = read_file_dataset(p, "noise_file", "/noise_map", reader);
    renames.push_back(
        {"LensingConfig::noise_map", "noise_file " + p.at("noise_file") + ": /noise_map"});
  }
  std::string error;
  if (!c.is_valid(&error)) {
    for (const auto& [from, to] : renames) {
      const auto at = error.find(from);
      if (at != std::string::npos) error.replace(at, from.size(), to);
    }
    const std::string prefix = "LensingConfig::";
    if (error.compare(0, prefix.size(), prefix) == 0) error.erase(0, prefix.size());
    throw core::Error("make_task: lensing: " + error);
  }
  return make_lensing_task(c);
}

const std::vector<Entry>& entries() {  // sorted by name
  static const std::vector<Entry> kEntries = {
      {"cosmo_field",
       {"field", "free", "h", "n_gal", "n_s", "omega_b", "omega_m", "peak_edges", "pixels",
        "power_bins", "shape_noise", "side_deg", "sigma8", "smoothing_arcmin", "summary", "t_cmb",
        "transfer", "w0", "z_s"},
       [](const Params& p, const DatasetReader&) { return make_cosmo_field(p); }},
      {"dwarf",
       {"anisotropy", "grid_points", "num_stars", "num_stars_min", "v_err"},
       [](const Params& p, const DatasetReader&) {
         DwarfConfig c;
         read(p, "dwarf", "num_stars", &c.num_stars);
         read(p, "dwarf", "num_stars_min", &c.num_stars_min);
         read(p, "dwarf", "v_err", &c.v_err);
         read(p, "dwarf", "anisotropy", &c.anisotropy);
         read(p, "dwarf", "grid_points", &c.jeans.grid_points);
         std::string error;
         if (!c.is_valid(&error)) throw core::Error("make_task: dwarf: " + error);
         return make_dwarf_task(c);
       }},
      {"galaxy_images",
       {"noise_sigma", "npix", "pixel_scale", "psf_fwhm", "substructure", "supersample"},
       [](const Params& p, const DatasetReader&) {
         const std::string task = "galaxy_images";
         GalaxyImageConfig c;
         read(p, task, "npix", &c.npix);
         read(p, task, "pixel_scale", &c.pixel_scale);
         read(p, task, "supersample", &c.supersample);
         read(p, task, "psf_fwhm", &c.psf_fwhm);
         read(p, task, "noise_sigma", &c.noise_sigma);
         if (p.count("substructure") &&
             !parse_galaxy_substructure(p.at("substructure"), &c.substructure))
           bad_value(task, "substructure", p.at("substructure"), "clumps, arms or mixed");
         std::string error;
         if (!c.is_valid(&error)) {
           const std::string prefix = "GalaxyImageConfig::";
           if (error.compare(0, prefix.size(), prefix) == 0) error.erase(0, prefix.size());
           throw core::Error("make_task: galaxy_images: " + error);
         }
         return make_galaxy_images_task(c);
       }},
      {"gaussian_linear",
       {"dim", "noise_var", "prior_var"},
       [](const Params& p, const DatasetReader&) {
         GaussianLinearConfig c;
         read(p, "gaussian_linear", "dim", &c.dim);
         read(p, "gaussian_linear", "prior_var", &c.prior_var);
         read(p, "gaussian_linear", "noise_var", &c.noise_var);
         return make_gaussian_linear_task(c);
       }},
      {"gaussian_linear_uniform",
       {"dim", "noise_var", "prior_bound"},
       [](const Params& p, const DatasetReader&) {
         GaussianLinearUniformConfig c;
         read(p, "gaussian_linear_uniform", "dim", &c.dim);
         read(p, "gaussian_linear_uniform", "prior_bound", &c.prior_bound);
         read(p, "gaussian_linear_uniform", "noise_var", &c.noise_var);
         return make_gaussian_linear_uniform_task(c);
       }},
      {"lensing",
       {"noise_file", "noise_sigma", "npix", "pixel_scale", "poisson", "psf_file", "psf_fwhm",
        "psf_size", "supersample"},
       make_lensing},
      {"slcp", {}, [](const Params&, const DatasetReader&) { return make_slcp_task(); }},
      {"two_moons", {},
       [](const Params&, const DatasetReader&) { return make_two_moons_task(); }},
  };
  return kEntries;
}

}  // namespace

Task make_task(const std::string& name, const Params& params, const DatasetReader& read_dataset) {
  for (const Entry& e : entries()) {
    if (name != e.name) continue;
    for (const auto& [key, value] : params) {
      bool known = false;
      for (const auto& k : e.keys) known = known || k == key;
      core::check(known, "make_task: task " + name + " has no parameter '" + key +
                             "'; accepted: " + join(e.keys));
    }
    return e.make(params, read_dataset);
  }
  throw core::Error("make_task: unknown task '" + name + "'; known tasks: " + join(task_names()));
}

std::vector<std::string> task_names() {
  std::vector<std::string> names;
  for (const Entry& e : entries()) names.push_back(e.name);
  return names;
}

}  // namespace sbi::simulators
