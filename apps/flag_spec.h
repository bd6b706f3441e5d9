// What a command accepts, declared once: each flag's name, placeholder, default and meaning.
// The same table drives the parser (apps/flags.h: a flag not in it is an error) and the
// help text (apps/help_text.h), so a flag cannot be accepted without being documented.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace sbi::app {

enum class FlagKind {
  kValue,     // --name VALUE (or --name=VALUE), at most once
  kRepeated,  // --name VALUE, any number of times (--param k=v ...)
  kSwitch,    // --name, no value
};

struct FlagSpec {
  FlagSpec(std::string name_, FlagKind kind_, std::string placeholder_, std::string default_text_,
           std::string help_, std::string alias_ = "")
      : name(std::move(name_)), kind(kind_), placeholder(std::move(placeholder_)),
        default_text(std::move(default_text_)), help(std::move(help_)), alias(std::move(alias_)) {}

  std::string name;          // without the leading "--"
  FlagKind kind;
  std::string placeholder;   // the value's name in the help ("N", "FILE"); "" for switches
  std::string default_text;  // shown as "(default: ...)"; "" when there is none to show
  std::string help;          // one sentence or two: what the flag does
  std::string alias;         // a spelled-out name, only for "did you mean" ("learning-rate")
};

struct CommandSpec {
  std::string name;     // "simulate", as typed after `sbi`
  std::string usage;    // after "sbi NAME": positional arguments and the required flags
  std::string summary;  // one line for `sbi --help`
  std::vector<FlagSpec> flags;
  std::size_t max_positional = 0;  // plain words the command takes (sbi info FILE.h5: 1)

  // The flag called `name`, or nullptr.
  const FlagSpec* find(const std::string& name) const;
};

}  // namespace sbi::app
