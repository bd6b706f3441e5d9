#include "core/prior.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <utility>

#include "core/error.h"
#include "core/normal_cdf.h"

namespace sbi::core {
namespace {

using Kind = Marginal::Kind;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log √(2π)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1 / √(2π)
constexpr long kMaxRepeat = 1000000;                    // largest K in `*K`

double normal_pdf(double z) { return kInvSqrt2Pi * std::exp(-0.5 * z * z); }

// Shortest of %.15g..%.17g that reads back to the same double (%.17g always does).
std::string format_double(double v) {
  char buf[40];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    const double back = std::strtod(buf, nullptr);
    if (back == v && std::signbit(back) == std::signbit(v)) break;
  }
  return buf;
}

std::string format_marginal(const Marginal& m) {
  std::string out = marginal_kind_name(m.kind) + "(" + format_double(m.a) + "," + format_double(m.b);
  if (m.num_parameters() == 4) out += "," + format_double(m.c) + "," + format_double(m.d);
  return out + ")";
}

// The truncation interval of a kTruncNormal in standard units.
double alpha(const Marginal& m) { return (m.c - m.a) / m.b; }
double beta(const Marginal& m) { return (m.d - m.a) / m.b; }

}  // namespace

std::string marginal_kind_name(Marginal::Kind kind) {
  switch (kind) {
    case Kind::kUniform: return "uniform";
    case Kind::kNormal: return "normal";
    case Kind::kLogNormal: return "lognormal";
    case Kind::kLogUniform: return "loguniform";
    case Kind::kTruncNormal: return "truncnormal";
  }
  return "?";
}

std::vector<std::string> marginal_kind_names() {
  return {"uniform", "normal", "lognormal", "loguniform", "truncnormal"};
}

bool parse_marginal_kind(const std::string& name, Marginal::Kind* kind) {
  for (Kind k : {Kind::kUniform, Kind::kNormal, Kind::kLogNormal, Kind::kLogUniform,
                 Kind::kTruncNormal}) {
    if (marginal_kind_name(k) == name) {
      *kind = k;
      return true;
    }
  }
  return false;
}

// Beyond the textbook conditions, every draw must be a finite double inside the support:
// Rng::normal() never exceeds 8.7 in magnitude, so 10 standard deviations bound the draws.
std::string marginal_error(const Marginal& m) {
  if (!std::isfinite(m.a) || !std::isfinite(m.b) || !std::isfinite(m.c) || !std::isfinite(m.d))
    return "parameters must be finite";
  switch (m.kind) {
    case Kind::kUniform:
      if (!(m.a < m.b)) return "low must be < high";
      return std::isfinite(m.b - m.a) ? "" : "high - low must be finite";
    case Kind::kNormal:
      if (!(m.b > 0)) return "std must be > 0";
      return std::isfinite(std::fabs(m.a) + 10 * m.b) ? "" : "|mean| + 10 std must be finite";
    case Kind::kLogNormal:
      if (!(m.b > 0)) return "sigma must be > 0";
      // exp() of a draw overflows above 709.8 and reaches 0 below -745.
      return std::fabs(m.a) + 10 * m.b < 700 ? "" : "|mu| + 10 sigma must be < 700";
    case Kind::kLogUniform:
      if (!(m.a > 0)) return "low must be > 0";
      return m.a < m.b ? "" : "low must be < high";
    case Kind::kTruncNormal:
      if (!(m.b > 0)) return "std must be > 0";
      if (!(m.c < m.d)) return "low must be < high";
      if (!std::isfinite(m.d - m.c) || !std::isfinite(beta(m)) || !std::isfinite(alpha(m)))
        return "(high - low) / std must be finite";
      // Below this the draws' inverse CDF has too few digits left to be trusted.
      return normal_mass(alpha(m), beta(m)) >= 1e-12 ? ""
                                                     : "[low, high] holds less than 1e-12 of the normal's mass";
  }
  return "unknown kind";
}

namespace {

// log p_j(t), normalised; -inf outside the support.
double marginal_log_prob(const Marginal& m, double t) {
  switch (m.kind) {
    case Kind::kUniform: return (t >= m.a && t <= m.b) ? -std::log(m.b - m.a) : -kInf;
    case Kind::kNormal: {
      const double z = (t - m.a) / m.b;
      return -0.5 * z * z - std::log(m.b) - kLogSqrt2Pi;
    }
    case Kind::kLogNormal: {
      if (!(t > 0)) return -kInf;
      const double log_t = std::log(t);  // p(t) = N(log t; mu, sigma²) / t
      const double z = (log_t - m.a) / m.b;
      return -0.5 * z * z - std::log(m.b) - kLogSqrt2Pi - log_t;
    }
    case Kind::kLogUniform:  // p(t) = 1 / (t log(high / low))
      return (t >= m.a && t <= m.b) ? -std::log(t) - std::log(std::log(m.b) - std::log(m.a)) : -kInf;
    case Kind::kTruncNormal: {
      if (!(t >= m.c && t <= m.d)) return -kInf;
      const double z = (t - m.a) / m.b;
      return -0.5 * z * z - std::log(m.b) - kLogSqrt2Pi - std::log(normal_mass(alpha(m), beta(m)));
    }
  }
  return -kInf;
}

bool marginal_in_support(const Marginal& m, double t) {
  if (!std::isfinite(t)) return false;
  switch (m.kind) {
    case Kind::kUniform: return t >= m.a && t <= m.b;
    case Kind::kNormal: return true;
    case Kind::kLogNormal: return t > 0;
    case Kind::kLogUniform: return t >= m.a && t <= m.b;
    case Kind::kTruncNormal: return t >= m.c && t <= m.d;
  }
  return false;
}

// A draw of the truncated normal by its inverse CDF, on the side of 0 where the CDF keeps
// its digits (the upper tail through Q = 1 - Φ), clamped against rounding at the bounds.
double truncnormal_sample(const Marginal& m, Rng* rng) {
  const double u = rng->uniform(), lo = alpha(m), hi = beta(m);
  double z;
  if (lo >= 0) {
    const double q_lo = normal_sf(lo), q_hi = normal_sf(hi);
    z = -normal_quantile(q_lo - u * (q_lo - q_hi));  // Q⁻¹(q) = -Φ⁻¹(q)
  } else {
    const double p_lo = normal_cdf(lo), p_hi = normal_cdf(hi);
    z = normal_quantile(p_lo + u * (p_hi - p_lo));
  }
  return std::clamp(m.a + m.b * z, m.c, m.d);
}

double marginal_sample(const Marginal& m, Rng* rng) {
  switch (m.kind) {
    case Kind::kUniform: return rng->uniform(m.a, m.b);
    case Kind::kNormal: return m.a + m.b * rng->normal();
    case Kind::kLogNormal: return std::exp(m.a + m.b * rng->normal());
    case Kind::kLogUniform:
      return std::clamp(std::exp(rng->uniform(std::log(m.a), std::log(m.b))), m.a, m.b);
    case Kind::kTruncNormal: return truncnormal_sample(m, rng);
  }
  return 0.0;
}

double marginal_mean(const Marginal& m) {
  switch (m.kind) {
    case Kind::kUniform: return 0.5 * (m.a + m.b);
    case Kind::kNormal: return m.a;
    case Kind::kLogNormal: return std::exp(m.a + 0.5 * m.b * m.b);
    case Kind::kLogUniform: return (m.b - m.a) / (std::log(m.b) - std::log(m.a));
    case Kind::kTruncNormal: {
      const double z = normal_mass(alpha(m), beta(m));
      return m.a + m.b * (normal_pdf(alpha(m)) - normal_pdf(beta(m))) / z;
    }
  }
  return 0.0;
}

double marginal_stddev(const Marginal& m) {
  switch (m.kind) {
    case Kind::kUniform: return (m.b - m.a) / std::sqrt(12.0);
    case Kind::kNormal: return m.b;
    case Kind::kLogNormal: return std::sqrt(std::expm1(m.b * m.b) * std::exp(2 * m.a + m.b * m.b));
    case Kind::kLogUniform: {
      const double mean = marginal_mean(m);
      const double second = (m.b * m.b - m.a * m.a) / (2 * (std::log(m.b) - std::log(m.a)));
      return std::sqrt(second - mean * mean);
    }
    case Kind::kTruncNormal: {
      // Var = σ² [1 + (α φ(α) - β φ(β)) / Z - ((φ(α) - φ(β)) / Z)²]
      const double lo = alpha(m), hi = beta(m), z = normal_mass(lo, hi);
      const double pa = normal_pdf(lo), pb = normal_pdf(hi);
      // φ(±inf) * ±inf would be NaN; the bounds are finite (marginal_error).
      const double r = (pa - pb) / z;
      return m.b * std::sqrt(1 + (lo * pa - hi * pb) / z - r * r);
    }
  }
  return 0.0;
}

// Recursive-descent reader of the spec grammar
//   spec := item (',' item)* ;  item := NAME '(' NUMBER ',' NUMBER ')' ('*' COUNT)?
// Tokens are the single characters ( ) , * and maximal runs of other non-space characters.
class SpecParser {
 public:
  explicit SpecParser(const std::string& spec) : spec_(spec) {}

  std::vector<Marginal> parse() {
    std::vector<Marginal> out;
    do {
      const std::size_t item_pos = peek_pos();
      const std::string name = next();
      Marginal m;
      if (!parse_marginal_kind(name, &m.kind))
        fail("unknown distribution (expected uniform, normal, lognormal, loguniform or truncnormal)",
             name, item_pos);
      expect("(");
      m.a = number();
      expect(",");
      m.b = number();
      if (m.num_parameters() == 4) {
        expect(",");
        m.c = number();
        expect(",");
        m.d = number();
      }
      expect(")");
      const std::string error = marginal_error(m);
      if (!error.empty()) fail(error + " in", format_marginal(m), item_pos);
      long count = 1;
      if (peek() == "*") {
        next();
        count = repeat_count();
      }
      out.insert(out.end(), static_cast<std::size_t>(count), m);
    } while (accept(","));
    if (peek_pos() != spec_.size()) fail("expected ',' or end of spec, found", peek(), peek_pos());
    return out;
  }

 private:
  static bool is_punct(char c) { return c == '(' || c == ')' || c == ',' || c == '*'; }

  void skip_space() {
    while (pos_ < spec_.size() && std::isspace(static_cast<unsigned char>(spec_[pos_]))) ++pos_;
  }
  std::size_t peek_pos() {
    skip_space();
    return pos_;
  }
  std::string peek() {
    const std::size_t saved = pos_;
    std::string token = next();
    pos_ = saved;
    return token;
  }
  std::string next() {
    skip_space();
    if (pos_ == spec_.size()) return "";
    const std::size_t start = pos_;
    if (is_punct(spec_[pos_])) return spec_.substr(pos_++, 1);
    while (pos_ < spec_.size() && !is_punct(spec_[pos_]) &&
           !std::isspace(static_cast<unsigned char>(spec_[pos_])))
      ++pos_;
    return spec_.substr(start, pos_ - start);
  }
  bool accept(const std::string& token) {
    if (peek() != token) return false;
    next();
    return true;
  }
  void expect(const std::string& token) {
    const std::size_t at = peek_pos();
    const std::string got = next();
    if (got != token) fail("expected '" + token + "', found", got, at);
  }
  double number() {
    const std::size_t at = peek_pos();
    const std::string token = next();
    char* end = nullptr;
    const double v = token.empty() || is_punct(token[0]) ? 0.0 : std::strtod(token.c_str(), &end);
    if (end == nullptr || *end != '\0' || !std::isfinite(v))  // overflow gives inf
      fail("bad number", token, at);
    return v;
  }
  long repeat_count() {
    const std::size_t at = peek_pos();
    const std::string token = next();
    char* end = nullptr;
    const long k = token.empty() || !std::isdigit(static_cast<unsigned char>(token[0]))
                       ? 0
                       : std::strtol(token.c_str(), &end, 10);
    if (end == nullptr || *end != '\0' || k < 1 || k > kMaxRepeat)
      fail("bad repeat count (expected an integer 1.." + std::to_string(kMaxRepeat) + ")", token,
           at);
    return k;
  }
  [[noreturn]] void fail(const std::string& what, const std::string& token, std::size_t at) {
    throw Error("Prior::parse: " + what + " '" + (token.empty() ? "<end>" : token) +
                "' at position " + std::to_string(at) + " in spec \"" + spec_ + "\"");
  }

  const std::string& spec_;
  std::size_t pos_ = 0;
};

void check_size(Eigen::Index size, int dim, const char* function, const char* argument) {
  check(size == dim, std::string(function) + ": " + argument + " has " + std::to_string(size) +
                         " entries, expected " + std::to_string(dim));
}

}  // namespace

Prior::Prior(std::vector<Marginal> marginals) : marginals_(std::move(marginals)) {
  check(!marginals_.empty(), "Prior: marginals is empty");
  for (std::size_t j = 0; j < marginals_.size(); ++j) {
    const std::string error = marginal_error(marginals_[j]);
    check(error.empty(), "Prior: marginal " + std::to_string(j) + " " +
                             format_marginal(marginals_[j]) + ": " + error);
  }
}

Prior Prior::box_uniform(const Eigen::VectorXd& low, const Eigen::VectorXd& high) {
  check(low.size() == high.size(), "Prior::box_uniform: low has " + std::to_string(low.size()) +
                                       " entries but high has " + std::to_string(high.size()));
  std::vector<Marginal> m;
  for (Eigen::Index j = 0; j < low.size(); ++j) m.push_back(Marginal::uniform(low[j], high[j]));
  return Prior(std::move(m));
}

Prior Prior::normal(const Eigen::VectorXd& mean, const Eigen::VectorXd& std) {
  check(mean.size() == std.size(), "Prior::normal: mean has " + std::to_string(mean.size()) +
                                       " entries but std has " + std::to_string(std.size()));
  std::vector<Marginal> m;
  for (Eigen::Index j = 0; j < mean.size(); ++j) m.push_back(Marginal::normal(mean[j], std[j]));
  return Prior(std::move(m));
}

Prior Prior::parse(const std::string& spec) { return Prior(SpecParser(spec).parse()); }

double Prior::log_prob(const Eigen::Ref<const Eigen::VectorXd>& theta) const {
  check_size(theta.size(), dim(), "Prior::log_prob", "theta");
  double lp = 0.0;
  for (int j = 0; j < dim(); ++j) {
    check(!std::isnan(theta[j]), "Prior::log_prob: theta[" + std::to_string(j) + "] is NaN");
    lp += marginal_log_prob(marginals_[j], theta[j]);
  }
  return lp;
}

Eigen::VectorXd Prior::log_prob_batch(const Eigen::MatrixXd& theta_cols) const {
  check(theta_cols.rows() == dim(), "Prior::log_prob_batch: theta_cols has " +
                                        std::to_string(theta_cols.rows()) + " rows, expected " +
                                        std::to_string(dim()));
  Eigen::VectorXd lp(theta_cols.cols());
  for (Eigen::Index i = 0; i < theta_cols.cols(); ++i) lp[i] = log_prob(theta_cols.col(i));
  return lp;
}

bool Prior::in_support(const Eigen::Ref<const Eigen::VectorXd>& theta) const {
  check_size(theta.size(), dim(), "Prior::in_support", "theta");
  for (int j = 0; j < dim(); ++j)
    if (!marginal_in_support(marginals_[j], theta[j])) return false;
  return true;
}

void Prior::sample(Rng* rng, Eigen::Ref<Eigen::VectorXd> out) const {
  check(rng != nullptr, "Prior::sample: rng is null");
  check_size(out.size(), dim(), "Prior::sample", "out");
  for (int j = 0; j < dim(); ++j) out[j] = marginal_sample(marginals_[j], rng);
}

Eigen::MatrixXd Prior::sample(int n, Rng* rng) const {
  check(n >= 0, "Prior::sample: n = " + std::to_string(n) + ", must be >= 0");
  Eigen::MatrixXd out(dim(), n);
  for (int i = 0; i < n; ++i) sample(rng, out.col(i));
  return out;
}

Eigen::VectorXd Prior::lower() const {
  Eigen::VectorXd v(dim());
  for (int j = 0; j < dim(); ++j) {
    const Marginal& m = marginals_[j];
    switch (m.kind) {
      case Kind::kUniform: case Kind::kLogUniform: v[j] = m.a; break;
      case Kind::kNormal: v[j] = -kInf; break;
      case Kind::kLogNormal: v[j] = 0.0; break;
      case Kind::kTruncNormal: v[j] = m.c; break;
    }
  }
  return v;
}

Eigen::VectorXd Prior::upper() const {
  Eigen::VectorXd v(dim());
  for (int j = 0; j < dim(); ++j) {
    const Marginal& m = marginals_[j];
    switch (m.kind) {
      case Kind::kUniform: case Kind::kLogUniform: v[j] = m.b; break;
      case Kind::kNormal: case Kind::kLogNormal: v[j] = kInf; break;
      case Kind::kTruncNormal: v[j] = m.d; break;
    }
  }
  return v;
}

Eigen::VectorXd Prior::mean() const {
  Eigen::VectorXd v(dim());
  for (int j = 0; j < dim(); ++j) v[j] = marginal_mean(marginals_[j]);
  return v;
}

Eigen::VectorXd Prior::stddev() const {
  Eigen::VectorXd v(dim());
  for (int j = 0; j < dim(); ++j) v[j] = marginal_stddev(marginals_[j]);
  return v;
}

std::string Prior::to_string() const {
  std::string out;
  for (std::size_t j = 0; j < marginals_.size();) {
    // Group by printed text, so that e.g. -0 and 0 stay distinct and round-trip bit for bit.
    const std::string item = format_marginal(marginals_[j]);
    std::size_t k = j + 1;
    while (k < marginals_.size() && static_cast<long>(k - j) < kMaxRepeat &&
           format_marginal(marginals_[k]) == item)
      ++k;
    if (!out.empty()) out += ",";
    out += item;
    if (k - j > 1) out += "*" + std::to_string(k - j);
    j = k;
  }
  return out;
}

}  // namespace sbi::core
