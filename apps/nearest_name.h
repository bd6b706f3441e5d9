// "Did you mean": the candidate closest to a misspelt name by edit distance.
#pragma once

#include <string>
#include <vector>

namespace sbi::app {

// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
// adjacent characters each cost 1 ("nmu" -> "num" is 1).
int edit_distance(const std::string& a, const std::string& b);

// The candidate nearest to `name`, or "" when even the nearest needs more than a third of
// the name's characters changed (then it is a different word, not a typo; at least 2 edits
// are always allowed).
std::string nearest_name(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace sbi::app
