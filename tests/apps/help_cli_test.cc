// `sbi --help`, `sbi --version`, `sbi COMMAND --help` for every command, and the help text
// against the parser's table: every flag the parser accepts is listed, with a meaning.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <stdexcept>

#include "apps/command_specs.h"
#include "apps/flags.h"
#include "tests/apps/cli_runner.h"

namespace sbi {
namespace {

// The flags a help text lists: lines starting "  --name".
std::set<std::string> listed_flags(const std::string& help) {
  std::set<std::string> out;
  const std::regex entry(R"(^  --([a-z0-9-]+))", std::regex::multiline);
  for (auto it = std::sregex_iterator(help.begin(), help.end(), entry); it != std::sregex_iterator();
       ++it)
    out.insert((*it)[1]);
  return out;
}

// `text` with every run of white space as one space (help entries wrap).
std::string one_line(const std::string& text) {
  return std::regex_replace(text, std::regex(R"(\s+)"), " ");
}

TEST(HelpCli, EveryCommandListsEveryFlagTheParserAccepts) {
  testing::TempDir dir;
  for (const app::CommandSpec& spec : app::command_specs()) {
    SCOPED_TRACE(spec.name);
    const CliRun r = sbi(dir, spec.name + " --help");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out.rfind("usage: sbi " + spec.name + " ", 0), 0u) << r.out;
    std::set<std::string> accepted;
    for (const app::FlagSpec& f : spec.flags) {
      accepted.insert(f.name);
      EXPECT_FALSE(f.help.empty()) << "--" << f.name << " has no help";
      // The parser takes each flag of the table (a value flag with a value) ...
      std::vector<std::string> args = {"--" + f.name};
      if (f.kind != app::FlagKind::kSwitch) args.push_back("1");
      EXPECT_NO_THROW(app::Flags(args, spec)) << "--" << f.name;
      // ... and its help states the default.
      if (!f.default_text.empty()) {
        EXPECT_NE(one_line(r.out).find("(default: " + f.default_text + ")"), std::string::npos)
            << f.name;
      }
    }
    EXPECT_EQ(listed_flags(r.out), accepted);
    // -h anywhere among the arguments is the same help.
    EXPECT_EQ(sbi(dir, spec.name + " --out x.h5 -h").out, r.out);
  }
}

TEST(HelpCli, ProgramHelpListsEveryCommand) {
  testing::TempDir dir;
  const CliRun r = sbi(dir, "--help");
  EXPECT_EQ(r.exit_code, 0);
  for (const app::CommandSpec& spec : app::command_specs())
    EXPECT_NE(r.out.find("\n  " + spec.name + " "), std::string::npos) << spec.name;
  const CliRun bare = sbi(dir, "");
  EXPECT_EQ(bare.exit_code, 1);  // no command: the help on stderr
  EXPECT_EQ(bare.err, r.out);
}

TEST(HelpCli, VersionIsTheProjectVersion) {
  testing::TempDir dir;
  const CliRun r = sbi(dir, "--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind(std::string("sbi ") + SBI_VERSION, 0), 0u) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

TEST(HelpCli, UnknownFlagSuggestsTheNearestOne) {
  testing::TempDir dir;
  const std::string out = dir.file("m.h5");
  expect_clean_failure(dir, sbi(dir, "train --data d.h5 --out " + out + " --lerning-rate 1e-3"),
                       "unknown flag --lerning-rate; did you mean --lr?", out);
  expect_clean_failure(dir, sbi(dir, "simulate --task two_moons --nmu 5 --out " + out),
                       "unknown flag --nmu; did you mean --num?", out);
  expect_clean_failure(dir, sbi(dir, "sample --model m --observation o --out " + out + " --colour red"),
                       "unknown flag --colour (run with --help for the list of flags)", out);
}

TEST(HelpCli, ReadingAFlagTheTableDoesNotDeclareIsAProgrammingError) {
  const app::Flags flags({"--num", "3"}, app::command_spec("simulate"));
  EXPECT_EQ(flags.get_int("num", 0), 3);
  EXPECT_THROW(flags.has("lr"), std::logic_error);
  EXPECT_THROW(flags.on("num"), std::logic_error);  // declared with a value, not a switch
}

}  // namespace
}  // namespace sbi
