// Entry point of the `sbi` program: dispatches to one cmd_*.cc per subcommand.
#include <cstdio>
int main() { std::fprintf(stderr, "sbi: under construction\n"); return 1; }
