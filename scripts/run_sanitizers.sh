#!/usr/bin/env bash
# Builds the toolkit with AddressSanitizer + UndefinedBehaviorSanitizer (Debian's clang-14)
# in build-asan/ and runs the test suite (ctest) there, but for five slow statistical tests
# (below); any sanitizer report fails its test. The same build holds the fuzz targets
# (SBI_FUZZ=ON), whose seed corpora run as ctest tests too (label "fuzz");
# scripts/run_fuzz.sh reuses it. It is built without MPI (the default build), as
# scripts/run_tests.sh's is built with it. Installs what it needs when run as root (the
# packages of scripts/setup.sh plus clang-14's).
#
#   bash scripts/run_sanitizers.sh [extra ctest arguments, e.g. -L io]
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install_packages.sh run_sanitizers $(grep -v '^#' scripts/packages.txt) \
  clang-14 libclang-rt-14-dev libomp-14-dev

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# Debug: Eigen's bounds assertions stay on (no NDEBUG); SBI_SANITIZE compiles at -O2.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DSBI_SANITIZE=ON -DSBI_FUZZ=ON -DSBI_MPI=OFF "${launcher[@]}" >/dev/null
start=$(date +%s)
# Only what ctest runs: the test executables (which pull in the `sbi` program) and the fuzz
# targets; not the benchmarks and examples.
targets=$(cmake --build build-asan --target help | sed -n 's/^\.\.\. \(\(test\|fuzz\)_[a-z_]*\).*/\1/p')
cmake --build build-asan -j"$(nproc)" --target sbi $targets >&2
built=$(date +%s)

# Every report is fatal and fails the test that triggered it. exitcode=86: a CLI test that
# expects the `sbi` program's exit code 1 for a user error cannot mistake a report for it.
# Leak checking is on without suppressions: the suite is leak-clean (HDF5 and OpenMP
# included). Only the fuzz targets' corpus replays (label fuzz) suppress HDF5's own leaks on
# corrupt files, see fuzz/lsan_hdf5.supp.
export ASAN_OPTIONS="halt_on_error=1:exitcode=86:detect_leaks=1:strict_string_checks=1:check_initialization_order=1:strict_init_order=1"
export UBSAN_OPTIONS="halt_on_error=1:exitcode=86:print_stacktrace=1:report_error_type=1"
# Left out here (the Release run of scripts/run_tests.sh runs them): statistical checks that
# draw 10^4-10^5 samples or train for minutes, 20-70x slower under the sanitizers than in
# Release, whose code the smaller tests of the same suites run here too. Sanitized seconds
# against Release seconds on 2 cores (2026-12-04): ImagePrior.Tweedie... 1058 / 15,
# InverseProblem.EverySampler... 799 / 16, Batch.Bitwise... 328 / 52, CnfTrained.Samples...
# 153 / 4, ScoreModel.TrainedNoisePredictor... (50 s in Release): together about half of
# the sanitized suite's time.
slow=(
  ImagePrior.TweedieGuidanceDrawsTheExactGaussianPosterior         # ImagePrior.DrawsAreReproducible...
  InverseProblem.EverySamplerDrawsItsPredictedLawAndTweedieIsExact  # InverseProblem.NonlinearDps...
  Batch.BitwiseIdenticalForAnyThreadCountAndEqualToPerSampleStreams # Batch.* (five more)
  CnfTrained.SamplesMatchTheTargetAndTheirLogDensity                # CnfTrained.DensityIntegrates...
  ScoreModel.TrainedNoisePredictorMatchesTheAnalyticOne             # ScoreModel.* (four more)
)
exclude="^($(IFS='|'; echo "${slow[*]}"))\$"
cd build-asan
status=0
ctest --output-on-failure -j"$(nproc)" --timeout 1800 -E "$exclude" "$@" || status=$?
end=$(date +%s)
echo "run_sanitizers: build $((built - start)) s, tests $((end - built)) s" >&2
exit $status
