// sbi simulate --plugin: the C and Fortran two-moons plugins (examples/plugins) against the
// built-in task, failures recorded or fatal, and the load errors.
#include <gtest/gtest.h>

#include <fstream>

#include "io/h5_file.h"
#include "tests/apps/cli_runner.h"

namespace sbi {
namespace {

Eigen::MatrixXd read(const std::string& path, const std::string& dataset) {
  return io::H5File::open_read(path).read_matrix(dataset);
}

// a == b entry for entry, reported as a count of differences (not two printed matrices).
void expect_bitwise_equal(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  ASSERT_EQ(a.rows(), b.rows());
  ASSERT_EQ(a.cols(), b.cols());
  long differ = 0;
  for (Eigen::Index i = 0; i < a.size(); ++i) differ += a.data()[i] != b.data()[i];
  EXPECT_EQ(differ, 0) << "max |a - b| = " << (a - b).cwiseAbs().maxCoeff();
}

// Bitwise identical /theta and /x to `sbi simulate --task two_moons` at 1 and 2 threads.
void expect_same_as_builtin(const std::string& plugin) {
  testing::TempDir dir;
  const std::string builtin = dir.file("builtin.h5");
  ASSERT_EQ(sbi(dir, "simulate --task two_moons --num 2000 --seed 17 --out " + builtin).exit_code, 0);
  for (int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    const std::string out = dir.file("plugin" + std::to_string(threads) + ".h5");
    const CliRun r = sbi(dir, "simulate --plugin " + plugin +
                                  " --prior 'uniform(-1,1)*2' --num 2000 --seed 17 --threads " +
                                  std::to_string(threads) + " --out " + out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_bitwise_equal(read(out, "/theta"), read(builtin, "/theta"));
    expect_bitwise_equal(read(out, "/x"), read(builtin, "/x"));
    const io::H5File f = io::H5File::open_read(out);
    EXPECT_EQ(f.get_int_attr("/", "num_failed"), 0);
    EXPECT_EQ(f.get_string_list_attr("/", "parameter_names"),
              (std::vector<std::string>{"theta_0", "theta_1"}));
  }
}

TEST(PluginCli, CPluginIsBitwiseTheBuiltInTwoMoons) { expect_same_as_builtin(SBI_PLUGIN_C); }

TEST(PluginCli, FortranPluginIsBitwiseTheBuiltInTwoMoons) {
#ifdef SBI_PLUGIN_F90
  expect_same_as_builtin(SBI_PLUGIN_F90);
#else
  GTEST_SKIP() << "built without gfortran";
#endif
}

TEST(PluginCli, FailedSimulationsAreRecordedCountedAndDroppedByTrain) {
  testing::TempDir dir;
  const std::string sims = dir.file("sims.h5");
  const std::string run = "simulate --plugin " + std::string(SBI_TEST_PLUGIN_flaky) +
                          " --prior 'uniform(0,1)*2' --num 1000 --seed 4 --out " + sims;
  const CliRun r = sbi(dir, run + " --threads 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Eigen::MatrixXd theta = read(sims, "/theta"), x = read(sims, "/x");
  const io::H5File f = io::H5File::open_read(sims);
  const Eigen::VectorXd failed = f.read_vector("/failed");  // uint8 in the file
  ASSERT_EQ(failed.size(), 1000);
  long expected = 0;
  for (long i = 0; i < 1000; ++i) {
    const bool fails = theta(0, i) > 0.5 || theta(1, i) > 0.6;
    expected += fails;
    EXPECT_EQ(failed[i], fails ? 1.0 : 0.0) << i;
    EXPECT_EQ(x.col(i).allFinite(), !fails) << i;
  }
  EXPECT_GT(expected, 600);  // P(fail) = 1 - 0.5 * 0.6 = 0.7
  EXPECT_EQ(f.get_int_attr("/", "num_failed"), expected);
  EXPECT_NE(r.err.find(std::to_string(expected) + " of 1000 simulations failed"), std::string::npos)
      << r.err;
  // sbi train drops the failed rows (their x is NaN).
  const CliRun t = sbi(dir, "train --data " + sims + " --out " + dir.file("m.h5") +
                                " --estimator realnvp --max-epochs 1 --hidden 8 --transforms 1");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.err.find(std::to_string(expected)), std::string::npos) << t.err;
  // --plugin-failures fatal: an error naming the first failing simulation.
  const std::string out = dir.file("fatal.h5");
  expect_clean_failure(dir, sbi(dir, "simulate --plugin " + std::string(SBI_TEST_PLUGIN_flaky) +
                                         " --prior 'uniform(0,1)*2' --num 1000 --seed 4 "
                                         "--plugin-failures fatal --out " + out),
                       "failed on simulation", out);
}

TEST(PluginCli, LoadErrorsAreOneClearLine) {
  testing::TempDir dir;
  const std::string out = dir.file("sims.h5");
  const auto run = [&](const std::string& plugin) {
    return sbi(dir, "simulate --plugin " + plugin + " --prior 'uniform(0,1)*2' --num 5 --out " + out);
  };
  expect_clean_failure(dir, run(SBI_TEST_PLUGIN_wrong_abi),
                       "implements plugin ABI version 2, this sbi implements version 1", out);
  expect_clean_failure(dir, run(SBI_TEST_PLUGIN_no_simulate),
                       "does not define sbi_plugin_simulate", out);
  const std::string text = dir.file("notes.txt");
  std::ofstream(text) << "not a library\n";
  expect_clean_failure(dir, run(text), "cannot load plugin " + text + " as a shared library", out);
  expect_clean_failure(dir, sbi(dir, "simulate --plugin " + std::string(SBI_PLUGIN_C) +
                                         " --num 5 --out " + out),
                       "--plugin needs --prior", out);
  expect_clean_failure(dir, sbi(dir, "simulate --plugin " + std::string(SBI_PLUGIN_C) +
                                         " --prior 'uniform(0,1)*3' --num 5 --out " + out),
                       "the prior has 3 parameter(s), plugin two_moons_c takes 2", out);
}

}  // namespace
}  // namespace sbi
