#include "apps/help_text.h"

#include <algorithm>

#include <sstream>

namespace sbi::app {
namespace {

constexpr size_t kWidth = 100;
constexpr size_t kHelpColumn = 30;

// `text` broken at spaces into lines of at most kWidth columns, each after `indent`
// columns (the first line continues whatever is already written up to `indent`).
std::string wrap(const std::string& text, size_t indent) {
  std::istringstream words(text);
  std::string out, word;
  size_t column = indent;
  bool first = true;
  while (words >> word) {
    if (!first && column + 1 + word.size() > kWidth) {
      out += "\n" + std::string(indent, ' ');
      column = indent;
    } else if (!first) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    first = false;
  }
  return out;
}

std::string flag_entry(const FlagSpec& f) {
  std::string head = "  --" + f.name;
  if (f.kind != FlagKind::kSwitch) head += " " + f.placeholder;
  if (f.kind == FlagKind::kRepeated) head += " ...";
  head += head.size() + 2 <= kHelpColumn ? std::string(kHelpColumn - head.size(), ' ')
                                         : "\n" + std::string(kHelpColumn, ' ');
  std::string help = f.help;
  if (!f.default_text.empty()) help += " (default: " + f.default_text + ")";
  return head + wrap(help, kHelpColumn) + "\n";
}

}  // namespace

std::string command_help(const CommandSpec& spec) {
  std::string out = "usage: sbi " + spec.name + " " + spec.usage + "\n\n" +
                    wrap(spec.summary, 0) + "\n";
  if (!spec.flags.empty()) out += "\nflags:\n";
  for (const FlagSpec& f : spec.flags) out += flag_entry(f);
  out += "  -h, --help" + std::string(kHelpColumn - 12, ' ') + "this help\n";
  return out;
}

std::string program_help(const std::vector<CommandSpec>& specs) {
  std::string out = "sbi: simulation-based inference toolkit\n\nusage: sbi COMMAND [flags]\n\n"
                    "commands:\n";
  // The summaries start two columns after the longest command name.
  size_t column = 0;
  for (const CommandSpec& s : specs) column = std::max(column, s.name.size() + 4);
  for (const CommandSpec& s : specs) {
    const std::string name = "  " + s.name;
    out += name + std::string(column - name.size(), ' ') + wrap(s.summary, static_cast<int>(column)) + "\n";
  }
  out += R"(
`sbi COMMAND --help` lists the command's flags with their defaults; `sbi --version`.

tasks: two_moons, gaussian_linear, gaussian_linear_uniform, slcp, dwarf, cosmo_field, lensing,
       galaxy_images
prior SPEC: comma-separated marginals uniform(LOW,HIGH), normal(MEAN,STD),
            lognormal(MU,SIGMA), loguniform(LOW,HIGH), truncnormal(MEAN,STD,LOW,HIGH), each
            optionally *K to repeat, e.g. "uniform(-1,1)*2"; or a TOML prior file (README)
mask FILE: /mask (1 = use the pixel, 0 = ignore it) of the shape of one x, e.g. an
           observation file with /x, /psf, /noise_map, /mask; stored in the model
)";
  return out;
}

}  // namespace sbi::app
