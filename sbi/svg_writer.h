// A minimal SVG 1.1 writer for the toolkit's figures (no plotting dependency): shapes, text,
// groups and clip paths, appended in drawing order and serialised as one well-formed XML
// document. Coordinates are SVG user units (pixels), y pointing down.
//
//   SvgDocument svg(400, 300);
//   svg.rect(0, 0, 400, 300, {.fill = "white"});     // (C++20 syntax shown for brevity)
//   svg.text(200, 20, "title", TextStyle{});
//   svg.save("figure.svg");                          // atomic (temporary file + rename)
#pragma once

#include <string>
#include <vector>

#include <Eigen/Core>

namespace sbi {

struct SvgStyle {
  std::string fill = "none";     // SVG paint: "none", "#rrggbb", "white", ...
  std::string stroke = "none";
  double stroke_width = 1.0;
  double opacity = 1.0;          // fill-opacity when filling, stroke-opacity when stroking
  std::string dash;              // stroke-dasharray, e.g. "4 3"; empty for solid
};

struct SvgTextStyle {
  double size = 11.0;             // font size in px
  std::string anchor = "middle";  // start | middle | end
  std::string color = "#222222";
  double rotate = 0.0;            // degrees, about the anchor point
  std::string weight = "normal";  // normal | bold
};

class SvgDocument {
 public:
  SvgDocument(double width, double height);

  double width() const { return width_; }
  double height() const { return height_; }

  void rect(double x, double y, double w, double h, const SvgStyle& style);
  void line(double x1, double y1, double x2, double y2, const SvgStyle& style);
  void circle(double cx, double cy, double r, const SvgStyle& style);
  // Connected points (x, y) in columns of a 2 x N matrix; closed adds "Z".
  void polyline(const Eigen::Matrix2Xd& points, const SvgStyle& style, bool closed = false);
  // A path "d" attribute built with PathData.
  void path(const std::string& d, const SvgStyle& style);
  // Plain text (escaped here).
  void text(double x, double y, const std::string& text, const SvgTextStyle& style);
  // Text whose content is already SVG markup (tspans), e.g. from latex_to_svg_markup.
  void text_markup(double x, double y, const std::string& markup, const SvgTextStyle& style);
  // Defines a rectangular clip path and returns its id, for begin_group.
  std::string clip_rect(double x, double y, double w, double h);
  // Groups nest; clip_id empty for none.
  void begin_group(const std::string& clip_id = "");
  void end_group();
  // A <title> tooltip / accessible description for the document (first element).
  void title(const std::string& text);

  // The whole document. Throws core::Error if a group is still open.
  std::string str() const;
  // Writes str() atomically (temporary file, then rename).
  void save(const std::string& path) const;

 private:
  double width_, height_;
  std::vector<std::string> elements_;
  std::string title_;
  int open_groups_ = 0;
  int next_clip_ = 0;
};

// Builds an SVG path "d" attribute: move_to / line_to / close.
class PathData {
 public:
  PathData& move_to(double x, double y);
  PathData& line_to(double x, double y);
  PathData& close();
  const std::string& str() const { return d_; }
  bool empty() const { return d_.empty(); }

 private:
  std::string d_;
};

// Writes an SVG (or any text) file by the rules of io/output_files.h.
void write_svg_file(const std::string& path, const std::string& content);

// Escapes &, <, >, " and ' for XML text and attribute values.
std::string xml_escape(const std::string& s);

// Compact decimal for coordinates: at most 2 decimals, no trailing zeros ("12.5", "3").
std::string svg_number(double v);

// A tick label: "%g"-style with up to 4 significant digits, "-0" printed as "0".
std::string tick_label(double v);

// About `target` round tick values (1, 2, 2.5 or 5 times a power of ten) inside [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int target = 4);

// A LaTeX-ish label as SVG text markup: Greek letters (\alpha .. \Omega) and a few symbols
// (\odot, \cdot, \times, \pm, \infty, \sun) become Unicode, _x / _{..} and ^x / ^{..}
// become sub/superscript tspans, \mathrm{..}, \rm, \, and $ are dropped to their content.
// Everything else is escaped and shown as written.
std::string latex_to_svg_markup(const std::string& latex);

// Renders SVG text to a PNG file with rsvg-convert (preferred) or ImageMagick's convert,
// when either is on PATH. Returns false, with *error saying why, when none is found or it
// fails. Writes `png_path` directly: pass an io::OutputFiles temporary.
bool svg_to_png(const std::string& svg, const std::string& png_path, double scale,
                std::string* error);

}  // namespace sbi
