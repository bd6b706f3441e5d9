#include "sbi/svg_writer.h"

#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include "core/error.h"
#include "io/output_files.h"

namespace sbi {
namespace {

std::string style_attributes(const SvgStyle& s) {
  std::string a = " fill=\"" + xml_escape(s.fill) + "\" stroke=\"" + xml_escape(s.stroke) + "\"";
  if (s.stroke != "none") {
    a += " stroke-width=\"" + svg_number(s.stroke_width) + "\"";
    if (s.opacity < 1) a += " stroke-opacity=\"" + svg_number(s.opacity) + "\"";
    if (!s.dash.empty()) a += " stroke-dasharray=\"" + xml_escape(s.dash) + "\"";
    a += " stroke-linejoin=\"round\" stroke-linecap=\"round\"";
  }
  if (s.fill != "none" && s.opacity < 1) a += " fill-opacity=\"" + svg_number(s.opacity) + "\"";
  return a;
}

std::string text_open(double x, double y, const SvgTextStyle& s) {
  std::string t = "<text x=\"" + svg_number(x) + "\" y=\"" + svg_number(y) + "\" font-size=\"" +
                  svg_number(s.size) + "\" text-anchor=\"" + xml_escape(s.anchor) + "\" fill=\"" +
                  xml_escape(s.color) + "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\"";
  if (s.weight != "normal") t += " font-weight=\"" + xml_escape(s.weight) + "\"";
  if (s.rotate != 0)
    t += " transform=\"rotate(" + svg_number(s.rotate) + " " + svg_number(x) + " " + svg_number(y) + ")\"";
  return t + ">";
}

// UTF-8 for the LaTeX commands latex_to_svg_markup knows.
const std::map<std::string, std::string>& latex_symbols() {
  static const std::map<std::string, std::string> m = {
      {"alpha", "\u03b1"},   {"beta", "\u03b2"},    {"gamma", "\u03b3"},  {"delta", "\u03b4"},
      {"epsilon", "\u03b5"}, {"varepsilon", "\u03b5"}, {"zeta", "\u03b6"}, {"eta", "\u03b7"},
      {"theta", "\u03b8"},   {"vartheta", "\u03d1"}, {"iota", "\u03b9"},  {"kappa", "\u03ba"},
      {"lambda", "\u03bb"},  {"mu", "\u03bc"},      {"nu", "\u03bd"},     {"xi", "\u03be"},
      {"pi", "\u03c0"},      {"rho", "\u03c1"},     {"sigma", "\u03c3"},  {"tau", "\u03c4"},
      {"upsilon", "\u03c5"}, {"phi", "\u03c6"},     {"varphi", "\u03c6"}, {"chi", "\u03c7"},
      {"psi", "\u03c8"},     {"omega", "\u03c9"},   {"Gamma", "\u0393"},  {"Delta", "\u0394"},
      {"Theta", "\u0398"},   {"Lambda", "\u039b"},  {"Xi", "\u039e"},     {"Pi", "\u03a0"},
      {"Sigma", "\u03a3"},   {"Phi", "\u03a6"},     {"Psi", "\u03a8"},    {"Omega", "\u03a9"},
      {"odot", "\u2299"},    {"sun", "\u2609"},     {"cdot", "\u00b7"},   {"times", "\u00d7"},
      {"pm", "\u00b1"},      {"infty", "\u221e"},   {"ell", "\u2113"},    {"circ", "\u00b0"},
      {"prime", "\u2032"},   {"AA", "\u00c5"}};
  return m;
}

// Converts s[*pos..] up to the closing brace of the current group (or the end).
std::string latex_run(const std::string& s, size_t* pos, bool stop_at_brace);

// One atom: a braced group, a command, or one character.
std::string latex_atom(const std::string& s, size_t* pos) {
  if (*pos >= s.size()) return "";
  if (s[*pos] == '{') {
    ++*pos;
    std::string inner = latex_run(s, pos, true);
    if (*pos < s.size() && s[*pos] == '}') ++*pos;
    return inner;
  }
  if (s[*pos] == '\\') {
    size_t end = *pos + 1;
    while (end < s.size() && std::isalpha(static_cast<unsigned char>(s[end]))) ++end;
    if (end == *pos + 1 && end < s.size()) ++end;  // \, \; \! \{ ...
    const std::string name = s.substr(*pos + 1, end - *pos - 1);
    *pos = end;
    if (name == "mathrm" || name == "rm" || name == "text" || name == "mathit" || name == "mathbf" ||
        name == "textrm" || name == "operatorname")
      return "";  // the following group is converted as plain content
    if (name == "," || name == ";" || name == " ") return "\u2009";
    if (name == "!") return "";
    if (name == "{" || name == "}" || name == "%" || name == "&" || name == "_" || name == "$")
      return xml_escape(name);
    const auto it = latex_symbols().find(name);
    return it != latex_symbols().end() ? it->second : xml_escape("\\" + name);
  }
  return xml_escape(std::string(1, s[(*pos)++]));
}

std::string latex_run(const std::string& s, size_t* pos, bool stop_at_brace) {
  std::string out;
  while (*pos < s.size()) {
    const char c = s[*pos];
    if (c == '}' && stop_at_brace) break;
    if (c == '}') {
      ++*pos;
      continue;
    }
    if (c == '$') {
      ++*pos;
      continue;
    }
    if (c == '_' || c == '^') {
      ++*pos;
      const std::string inner = latex_atom(s, pos);
      // Shift down/up, then back, so following text returns to the baseline.
      const char* shift = c == '_' ? "0.3em" : "-0.45em";
      const char* back = c == '_' ? "-0.3em" : "0.45em";
      out += std::string("<tspan dy=\"") + shift + "\" font-size=\"75%\">" + inner +
             "</tspan><tspan dy=\"" + back + "\">\u200b</tspan>";
      continue;
    }
    out += latex_atom(s, pos);
  }
  return out;
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

SvgDocument::SvgDocument(double width, double height) : width_(width), height_(height) {
  core::check(width > 0 && height > 0, "SvgDocument: width and height must be > 0");
}

void SvgDocument::rect(double x, double y, double w, double h, const SvgStyle& style) {
  elements_.push_back("<rect x=\"" + svg_number(x) + "\" y=\"" + svg_number(y) + "\" width=\"" +
                      svg_number(std::max(0.0, w)) + "\" height=\"" + svg_number(std::max(0.0, h)) +
                      "\"" + style_attributes(style) + "/>");
}

void SvgDocument::line(double x1, double y1, double x2, double y2, const SvgStyle& style) {
  elements_.push_back("<line x1=\"" + svg_number(x1) + "\" y1=\"" + svg_number(y1) + "\" x2=\"" +
                      svg_number(x2) + "\" y2=\"" + svg_number(y2) + "\"" + style_attributes(style) +
                      "/>");
}

void SvgDocument::circle(double cx, double cy, double r, const SvgStyle& style) {
  elements_.push_back("<circle cx=\"" + svg_number(cx) + "\" cy=\"" + svg_number(cy) + "\" r=\"" +
                      svg_number(r) + "\"" + style_attributes(style) + "/>");
}

void SvgDocument::polyline(const Eigen::Matrix2Xd& points, const SvgStyle& style, bool closed) {
  if (points.cols() == 0) return;
  PathData d;
  d.move_to(points(0, 0), points(1, 0));
  for (Eigen::Index j = 1; j < points.cols(); ++j) d.line_to(points(0, j), points(1, j));
  if (closed) d.close();
  path(d.str(), style);
}

void SvgDocument::path(const std::string& d, const SvgStyle& style) {
  if (d.empty()) return;
  elements_.push_back("<path d=\"" + xml_escape(d) + "\"" + style_attributes(style) + "/>");
}

void SvgDocument::text(double x, double y, const std::string& text, const SvgTextStyle& style) {
  elements_.push_back(text_open(x, y, style) + xml_escape(text) + "</text>");
}

void SvgDocument::text_markup(double x, double y, const std::string& markup,
                              const SvgTextStyle& style) {
  elements_.push_back(text_open(x, y, style) + markup + "</text>");
}

std::string SvgDocument::clip_rect(double x, double y, double w, double h) {
  const std::string id = "clip" + std::to_string(next_clip_++);
  elements_.push_back("<clipPath id=\"" + id + "\"><rect x=\"" + svg_number(x) + "\" y=\"" +
                      svg_number(y) + "\" width=\"" + svg_number(w) + "\" height=\"" +
                      svg_number(h) + "\"/></clipPath>");
  return id;
}

void SvgDocument::begin_group(const std::string& clip_id) {
  elements_.push_back(clip_id.empty() ? std::string("<g>")
                                      : "<g clip-path=\"url(#" + xml_escape(clip_id) + ")\">");
  ++open_groups_;
}

void SvgDocument::end_group() {
  core::check(open_groups_ > 0, "SvgDocument::end_group: no open group");
  elements_.push_back("</g>");
  --open_groups_;
}

void SvgDocument::title(const std::string& text) { title_ = text; }

std::string SvgDocument::str() const {
  core::check(open_groups_ == 0, "SvgDocument::str: " + std::to_string(open_groups_) +
                                     " group(s) still open");
  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + svg_number(width_) +
       "\" height=\"" + svg_number(height_) + "\" viewBox=\"0 0 " + svg_number(width_) + " " +
       svg_number(height_) + "\">\n";
  if (!title_.empty()) s += "<title>" + xml_escape(title_) + "</title>\n";
  for (const std::string& e : elements_) s += e + "\n";
  return s + "</svg>\n";
}

void SvgDocument::save(const std::string& path) const { write_svg_file(path, str()); }

void write_svg_file(const std::string& path, const std::string& content) {
  io::write_text_file(path, content);
}

PathData& PathData::move_to(double x, double y) {
  d_ += (d_.empty() ? "M" : " M") + svg_number(x) + " " + svg_number(y);
  return *this;
}

PathData& PathData::line_to(double x, double y) {
  d_ += " L" + svg_number(x) + " " + svg_number(y);
  return *this;
}

PathData& PathData::close() {
  d_ += " Z";
  return *this;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // Control characters other than tab/newline are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') out += '?';
        else out += c;
    }
  }
  return out;
}

std::string svg_number(double v) {
  if (!std::isfinite(v)) v = 0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s(buf);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

std::string tick_label(double v) {
  if (std::fabs(v) < 1e-12) return "0";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  std::vector<double> ticks;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi) || target < 1) return ticks;
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + 1e-9 * step; t += step)
    ticks.push_back(std::fabs(t) < 1e-12 * step ? 0.0 : t);
  return ticks;
}

std::string latex_to_svg_markup(const std::string& latex) {
  size_t pos = 0;
  return latex_run(latex, &pos, false);
}

bool svg_to_png(const std::string& svg, const std::string& png_path, double scale,
                std::string* error) {
  // The SVG goes through a pipe: no scratch file to clean up. "png:" tells convert the
  // format whatever the (temporary) file name ends with.
  std::string cmd;
  if (on_path("rsvg-convert")) {
    cmd = "rsvg-convert -z " + svg_number(scale) + " -b white -f png -o " + shell_quote(png_path);
  } else if (on_path("convert")) {
    cmd = "convert -density " + svg_number(96 * scale) + " -background white svg:- png:" +
          shell_quote(png_path);
  } else {
    *error = "neither rsvg-convert nor convert is on PATH";
    return false;
  }
  cmd += " >/dev/null 2>&1";
  std::FILE* pipe = ::popen(cmd.c_str(), "w");
  if (pipe == nullptr) {
    *error = "cannot start '" + cmd + "'";
    return false;
  }
  // A converter that dies early must not take this process with it (SIGPIPE).
  struct sigaction ignore {}, previous {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPIPE, &ignore, &previous);
  const bool sent = std::fwrite(svg.data(), 1, svg.size(), pipe) == svg.size();
  const int status = ::pclose(pipe);
  sigaction(SIGPIPE, &previous, nullptr);
  std::error_code ec;
  if (!sent || status != 0 || std::filesystem::file_size(png_path, ec) == 0 || ec) {
    *error = "'" + cmd + "' failed";
    return false;
  }
  return true;
}

}  // namespace sbi
