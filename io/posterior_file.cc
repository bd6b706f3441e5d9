#include "io/posterior_file.h"

#include <algorithm>
#include <set>

#include "core/error.h"
#include "io/output_files.h"
#include "io/h5_file.h"

namespace sbi::io {

namespace {

const std::set<std::string> kDimensionNames = {"chain", "draw", "observation"};

struct Sizes {
  size_t d = 0, m = 0, k = 0, x_dim = 0, chains = 1;
};

// Every rule checked up front, so nothing is written for invalid input.
Sizes validate(const std::string& path, const PosteriorDraws& draws) {
  const std::string where = "write_posterior_file: " + path + ": ";
  Sizes s;
  s.d = draws.parameter_names.size();
  s.k = draws.samples.size();
  core::check(s.d > 0, where + "no parameter names");
  core::check(s.k > 0, where + "no observations (samples is empty)");
  std::set<std::string> seen;
  for (const std::string& name : draws.parameter_names) {
    core::check(is_valid_variable_name(name),
                where + "parameter name '" + name + "' does not match [A-Za-z_][A-Za-z0-9_]*");
    core::check(kDimensionNames.count(name) == 0,
                where + "parameter name '" + name + "' is a dimension name");
    core::check(seen.insert(name).second, where + "parameter name '" + name + "' is repeated");
  }
  core::check(draws.latex_labels.empty() || draws.latex_labels.size() == s.d,
              where + std::to_string(draws.latex_labels.size()) + " latex labels for " +
                  std::to_string(s.d) + " parameters");
  s.m = static_cast<size_t>(draws.samples[0].cols());
  core::check(s.m > 0, where + "observation 0 has no draws");
  s.chains = draws.num_chains;
  core::check(s.chains >= 1 && s.m % s.chains == 0,
              where + std::to_string(s.m) + " draws do not split into " + std::to_string(s.chains) + " chains");
  for (size_t k = 0; k < s.k; ++k) {
    const Eigen::MatrixXd& x = draws.samples[k];
    core::check(static_cast<size_t>(x.rows()) == s.d,
                where + "samples[" + std::to_string(k) + "] has " + std::to_string(x.rows()) +
                    " rows, expected " + std::to_string(s.d) + " (one per parameter)");
    core::check(static_cast<size_t>(x.cols()) == s.m,
                where + "samples[" + std::to_string(k) + "] has " + std::to_string(x.cols()) +
                    " draws, expected " + std::to_string(s.m) + " like samples[0]");
    core::check(x.allFinite(), where + "the draws of observation " + std::to_string(k) +
                                   " contain NaN or Inf; a posterior with such draws is never "
                                   "written");
  }
  if (!draws.log_prob.empty()) {
    core::check(draws.log_prob.size() == s.k, where + std::to_string(draws.log_prob.size()) +
                                                  " log_prob vectors for " + std::to_string(s.k) +
                                                  " observations");
    for (size_t k = 0; k < s.k; ++k) {
      core::check(static_cast<size_t>(draws.log_prob[k].size()) == s.m,
                  where + "log_prob[" + std::to_string(k) + "] has " +
                      std::to_string(draws.log_prob[k].size()) + " values, expected " +
                      std::to_string(s.m));
      core::check(!draws.log_prob[k].array().isNaN().any(),
                  where + "log_prob[" + std::to_string(k) + "] contains NaN");
    }
  }
  s.x_dim = static_cast<size_t>(draws.observed_x.rows());
  core::check(s.x_dim > 0, where + "observed_x is empty");
  core::check(static_cast<size_t>(draws.observed_x.cols()) == s.k,
              where + "observed_x has " + std::to_string(draws.observed_x.cols()) +
                  " columns, expected " + std::to_string(s.k) + " (one per observation)");
  core::check(draws.data_names.empty() || draws.data_names.size() == s.x_dim,
              where + std::to_string(draws.data_names.size()) + " data names for x_dim = " +
                  std::to_string(s.x_dim));
  const std::vector<std::string>& reserved = provenance_attr_names();
  auto check_extra = [&](const std::string& name) {
    core::check(!name.empty(), where + "an extra attribute has an empty name");
    core::check(std::find(reserved.begin(), reserved.end(), name) == reserved.end(),
                where + "extra attribute '" + name + "' is a provenance attribute");
    core::check(seen.insert("attr:" + name).second,
                where + "extra attribute '" + name + "' is repeated");
  };
  for (const auto& [name, value] : draws.string_attrs) check_extra(name);
  for (const auto& [name, value] : draws.number_attrs) check_extra(name);
  return s;
}

std::vector<std::int64_t> iota(size_t n) {
  std::vector<std::int64_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<std::int64_t>(i);
  return v;
}

// int64 0..n-1 datasets under `group`, each the scale of the dimension of its own name.
void write_scales(H5File& f, const std::string& group,
                  const std::vector<std::pair<std::string, size_t>>& dims) {
  for (const auto& [name, n] : dims) {
    const std::string scale = group + "/" + name;
    f.write_int64_vector(scale, iota(n));
    f.make_dimension_scale(scale, name);
  }
}

// A (chain=C, draw=M/C, observation=K) variable, one chain of one observation per chunk,
// with its scales. Chain c's draws are draws [c M/C, (c+1) M/C): the row-major layout of
// (C, M/C, K) is that of (1, M, K).
void write_draws_variable(H5File& f, const std::string& group, const std::string& name,
                          const Sizes& s, const std::vector<double>& row_major) {
  WriteOptions options;
  options.compress = true;
  options.chunk_shape = {1, s.m / s.chains, 1};
  const std::string path = group + "/" + name;
  f.write_array(path, {s.chains, s.m / s.chains, s.k}, row_major, options);
  f.attach_dimension_scale(path, 0, group + "/chain");
  f.attach_dimension_scale(path, 1, group + "/draw");
  f.attach_dimension_scale(path, 2, group + "/observation");
}

void write_contents(H5File& f, const PosteriorDraws& draws, const Sizes& s) {
  Provenance provenance = draws.provenance;
  provenance.parameter_names = draws.parameter_names;
  if (!draws.data_names.empty()) provenance.data_names = draws.data_names;
  stamp_provenance(f, provenance);
  for (const auto& [name, value] : draws.string_attrs) f.set_attr("/", name, value);
  for (const auto& [name, value] : draws.number_attrs) f.set_attr("/", name, value);

  const std::vector<std::pair<std::string, size_t>> draw_dims = {
      {"chain", s.chains}, {"draw", s.m / s.chains}, {"observation", s.k}};
  write_scales(f, "/posterior", draw_dims);
  std::vector<double> values(s.m * s.k);
  for (size_t d = 0; d < s.d; ++d) {
    // Row-major (C, M/C, K) = (1, M, K): element (0, m, k) at m * K + k.
    for (size_t k = 0; k < s.k; ++k) {
      for (size_t m = 0; m < s.m; ++m) values[m * s.k + k] = draws.samples[k](d, m);
    }
    write_draws_variable(f, "/posterior", draws.parameter_names[d], s, values);
    if (!draws.latex_labels.empty()) {
      f.set_attr("/posterior/" + draws.parameter_names[d], "latex_label", draws.latex_labels[d]);
    }
  }

  if (!draws.log_prob.empty()) {
    write_scales(f, "/sample_stats", draw_dims);
    for (size_t k = 0; k < s.k; ++k) {
      for (size_t m = 0; m < s.m; ++m) values[m * s.k + k] = draws.log_prob[k](m);
    }
    write_draws_variable(f, "/sample_stats", "lp", s, values);
    for (const auto& [name, per_observation] : draws.sample_stats_attrs) f.set_attr("/sample_stats", name, per_observation);
  }

  write_scales(f, "/observed_data", {{"observation", s.k}, {"x_dim", s.x_dim}});
  WriteOptions options;
  options.compress = true;
  options.chunk_shape = {1, s.x_dim};
  f.write_matrix("/observed_data/x", draws.observed_x, options);
  f.attach_dimension_scale("/observed_data/x", 0, "/observed_data/observation");
  f.attach_dimension_scale("/observed_data/x", 1, "/observed_data/x_dim");
}

// A (C, M, K) variable as K matrices of rows x (C*M), filling row `row`.
void read_draws_variable(const H5File& f, const std::string& path, size_t row,
                         std::vector<size_t>* shape, std::vector<Eigen::MatrixXd>* out,
                         size_t rows) {
  const std::string where = "read_posterior_file: " + path + " in " + f.path();
  std::vector<size_t> this_shape;
  const std::vector<double> v = f.read_array(path, &this_shape);
  core::check(this_shape.size() == 3,
              where + " has " + std::to_string(this_shape.size()) +
                  " dimensions, expected 3 (chain, draw, observation)");
  if (shape->empty()) *shape = this_shape;
  core::check(this_shape == *shape, where + " has a different shape from the other variables");
  const size_t c = this_shape[0], m = this_shape[1], k = this_shape[2];
  if (out->empty()) {
    out->assign(k, Eigen::MatrixXd(static_cast<Eigen::Index>(rows),
                                   static_cast<Eigen::Index>(c * m)));
  }
  for (size_t kk = 0; kk < k; ++kk) {
    for (size_t cm = 0; cm < c * m; ++cm) {
      (*out)[kk](static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(cm)) = v[cm * k + kk];
    }
  }
}

}  // namespace

bool is_valid_variable_name(const std::string& name) {
  if (name.empty()) return false;
  auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (!letter(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return letter(c) || (c >= '0' && c <= '9'); });
}

void write_posterior_file(OutputFiles& out, const std::string& path,
                          const PosteriorDraws& draws) {
  const Sizes sizes = validate(path, draws);
  out.write_hdf5(path, [&](H5File& f) { write_contents(f, draws, sizes); });
}

void write_posterior_file(const std::string& path, const PosteriorDraws& draws) {
  OutputFiles out;
  write_posterior_file(out, path, draws);
  out.commit();
}

PosteriorDraws read_posterior_file(const std::string& path) {
  const std::string where = "read_posterior_file: " + path;
  H5File f = H5File::open_read(path);
  core::check(f.is_group("/posterior"), where + " has no /posterior group");
  PosteriorDraws draws;
  draws.provenance = read_provenance(f);
  if (f.has_attr("/", "parameter_names")) {
    draws.parameter_names = draws.provenance.parameter_names;
  } else {
    // Files from other tools: every variable in /posterior that is not a dimension scale.
    for (const std::string& name : f.list("/posterior")) {
      const std::string child = "/posterior/" + name;
      if (f.is_dataset(child) && !f.is_dimension_scale(child)) {
        draws.parameter_names.push_back(name);
      }
    }
  }
  core::check(!draws.parameter_names.empty(), where + " has no parameters");
  draws.data_names = draws.provenance.data_names;

  const size_t d = draws.parameter_names.size();
  std::vector<size_t> shape;
  bool any_label = false;
  for (size_t i = 0; i < d; ++i) {
    const std::string var = "/posterior/" + draws.parameter_names[i];
    read_draws_variable(f, var, i, &shape, &draws.samples, d);
    any_label = any_label || f.has_attr(var, "latex_label");
  }
  if (!shape.empty()) draws.num_chains = shape[0];
  if (any_label) {
    for (const std::string& name : draws.parameter_names) {
      const std::string var = "/posterior/" + name;
      draws.latex_labels.push_back(f.has_attr(var, "latex_label")
                                       ? f.get_string_attr(var, "latex_label")
                                       : name);
    }
  }

  if (f.has("/sample_stats/lp")) {
    std::vector<Eigen::MatrixXd> lp;
    read_draws_variable(f, "/sample_stats/lp", 0, &shape, &lp, 1);
    for (const Eigen::MatrixXd& row : lp) draws.log_prob.push_back(row.row(0).transpose());
  }
  if (f.has("/observed_data/x")) {
    draws.observed_x = f.read_matrix("/observed_data/x");
    core::check(static_cast<size_t>(draws.observed_x.cols()) == draws.samples.size(),
                where + ": /observed_data/x has " + std::to_string(draws.observed_x.cols()) +
                    " observations, /posterior has " + std::to_string(draws.samples.size()));
  }

  const std::vector<std::string>& reserved = provenance_attr_names();
  for (const std::string& name : f.list_attrs("/")) {
    if (std::find(reserved.begin(), reserved.end(), name) != reserved.end()) continue;
    if (!f.attr_shape("/", name).empty()) continue;  // scalars only
    const std::string dtype = f.attr_dtype("/", name);
    if (dtype == "string") {
      draws.string_attrs.emplace_back(name, f.get_string_attr("/", name));
    } else if (dtype.rfind("float", 0) == 0 || dtype.rfind("int", 0) == 0 ||
               dtype.rfind("uint", 0) == 0) {
      draws.number_attrs.emplace_back(name, f.get_double_attr("/", name));
    }
  }
  return draws;
}

}  // namespace sbi::io
