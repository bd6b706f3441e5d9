// `sbi diagnose`, `sbi map`, `sbi plot corner` and `sbi export` end to end, as a user runs
// them on a (briefly trained) Gaussian linear model: outputs, their layout, and clean failures.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/h5_file.h"
#include "testing/raw_hdf5.h"
#include "testing/temp_dir.h"

namespace sbi {
namespace {

struct CliResult {
  int exit_code;
  std::string out, err;
};

std::string slurp(const std::string& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

CliResult sbi(const testing::TempDir& dir, const std::string& args) {
  const std::string out = dir.file("stdout.txt"), err = dir.file("stderr.txt");
  const std::string cmd = std::string(SBI_BINARY_PATH) + " " + args + " >" + out + " 2>" + err;
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

bool exists(const std::string& p) { return std::filesystem::exists(p); }

// One shared model for the suite: 2000 simulations of gaussian_linear (dim 2), 5 epochs.
class DiagnoseCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    const CliResult s = sbi(*dir_, "simulate --task gaussian_linear --param dim=2 --num 2000 --seed 1 --out " +
                                 dir_->file("sims.h5"));
    ASSERT_EQ(s.exit_code, 0) << s.err;
    const CliResult t = sbi(*dir_, "train --data " + dir_->file("sims.h5") + " --out " + dir_->file("model.h5") +
                                 " --max-epochs 5 --patience 0 --transforms 2 --hidden 16 --seed 2");
    ASSERT_EQ(t.exit_code, 0) << t.err;
    const CliResult o = sbi(*dir_, "simulate --task gaussian_linear --param dim=2 --num 2 --seed 7 --out " +
                                 dir_->file("obs.h5"));
    ASSERT_EQ(o.exit_code, 0) << o.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string file(const std::string& name) { return dir_->file(name); }
  static testing::TempDir* dir_;
};
testing::TempDir* DiagnoseCli::dir_ = nullptr;

TEST_F(DiagnoseCli, DiagnoseWritesReportAndFigures) {
  testing::TempDir out;
  const std::string report = out.file("report.h5");
  const CliResult r = sbi(out, "diagnose --model " + file("model.h5") +
                             " --task gaussian_linear --param dim=2 --num-sbc 60 --num-posterior-samples 40"
                             " --seed 3 --threads 2 --out " + report);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("KS p"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("TARP"), std::string::npos) << r.out;
  io::H5File f = io::H5File::open_read(report);
  EXPECT_EQ(f.shape("/sbc/ranks"), (std::vector<size_t>{60, 2}));
  EXPECT_EQ(f.shape("/simulations/theta"), (std::vector<size_t>{60, 2}));
  EXPECT_EQ(f.shape("/sbc/ks_p_value"), (std::vector<size_t>{2}));
  EXPECT_EQ(f.shape("/coverage/hpd_ranks"), (std::vector<size_t>{60}));
  EXPECT_EQ(f.shape("/tarp/ecp"), (std::vector<size_t>{101}));
  EXPECT_EQ(f.get_string_attr("/", "task"), "gaussian_linear");
  EXPECT_EQ(f.get_int_attr("/", "seed"), 3);
  EXPECT_EQ(f.get_int_attr("/", "num_posterior_samples"), 40);
  EXPECT_TRUE(f.has_attr("/", "command_line"));
  const Eigen::MatrixXd ranks = f.read_matrix("/sbc/ranks");
  EXPECT_GE(ranks.minCoeff(), 0);
  EXPECT_LE(ranks.maxCoeff(), 40);
  const double p = f.get_double_attr("/sbc", "combined_p_value");
  EXPECT_TRUE(p >= 0 && p <= 1);
  // Figures next to the report, complete SVG documents.
  for (const char* name : {"report_sbc.svg", "report_coverage.svg"}) {
    const std::string svg = slurp(out.file(name));
    EXPECT_EQ(svg.rfind("<?xml", 0), 0u) << name;
    EXPECT_NE(svg.find("</svg>"), std::string::npos) << name;
  }
  // Same seed, another thread count: identical ranks.
  const CliResult again = sbi(out, "diagnose --model " + file("model.h5") +
                                 " --task gaussian_linear --param dim=2 --num-sbc 60 --num-posterior-samples 40"
                                 " --seed 3 --threads 1 --out " + out.file("again.h5"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(io::H5File::open_read(out.file("again.h5")).read_matrix("/sbc/ranks"), ranks);
}

TEST_F(DiagnoseCli, DiagnoseFailsCleanly) {
  testing::TempDir out;
  const std::string report = out.file("report.h5");
  // The task's dimension does not match the model's.
  CliResult r = sbi(out, "diagnose --model " + file("model.h5") + " --task gaussian_linear --param dim=3 --num-sbc 5 --out " + report);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.err.rfind("sbi: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("has 2"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(report));
  EXPECT_FALSE(exists(out.file("report_sbc.svg")));
  r = sbi(out, "diagnose --model " + file("model.h5") + " --task gaussian_linear --param dim=2 --out " + report);
  EXPECT_NE(r.err.find("--num-sbc"), std::string::npos) << r.err;
  r = sbi(out, "diagnose --model " + file("model.h5") + " --task gaussian_linear --param dim=2 --num-sbc 5"
               " --tarp-reference grid --out " + report);
  EXPECT_NE(r.err.find("prior or box"), std::string::npos) << r.err;
  for (const auto& entry : std::filesystem::directory_iterator(out.path()))
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();
}

TEST_F(DiagnoseCli, MapPlotAndExport) {
  testing::TempDir out;
  // MAP for both observations.
  CliResult r = sbi(out, "map --model " + file("model.h5") + " --observation " + file("obs.h5") +
                       " --starts 3 --seed 1 --out " + out.file("map.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("termination"), std::string::npos) << r.out;
  io::H5File m = io::H5File::open_read(out.file("map.h5"));
  EXPECT_EQ(m.shape("/theta"), (std::vector<size_t>{2, 2}));
  EXPECT_EQ(m.shape("/starts/observation_1/theta"), (std::vector<size_t>{3, 2}));
  const Eigen::VectorXd lp = m.read_vector("/log_prob");
  const Eigen::VectorXd start_lp = m.read_vector("/starts/observation_0/initial_log_prob");
  EXPECT_GE(lp[0], start_lp.maxCoeff() - 1e-9);  // the optimum is no worse than any start

  // A posterior to plot and export.
  r = sbi(out, "sample --model " + file("model.h5") + " --observation " + file("obs.h5") +
                   " --num 400 --seed 2 --out " + out.file("post.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sbi(out, "plot corner " + out.file("post.h5") + " --truth " + file("obs.h5") + " --observation 1 --out " +
                   out.file("corner.svg"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string svg = slurp(out.file("corner.svg"));
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("true value"), std::string::npos);
  r = sbi(out, "plot corner " + out.file("post.h5") + " --observation 5 --out " + out.file("bad.svg"));
  EXPECT_NE(r.err.find("out of range"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(out.file("bad.svg")));

  // GetDist export: one set of files per observation (2 observations).
  r = sbi(out, "export " + out.file("post.h5") + " --format getdist --out " + out.file("chain"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* ext : {".txt", ".paramnames", ".ranges", ".properties.ini"})
    EXPECT_TRUE(exists(out.file(std::string("chain_obs1") + ext))) << ext;
  EXPECT_EQ(slurp(out.file("chain_obs0.properties.ini")), "burn_removed = T\n");
  EXPECT_EQ(slurp(out.file("chain_obs0.paramnames")), "theta_0\ttheta_0\ntheta_1\ttheta_1\n");
  // gaussian_linear's prior is normal: both sides open.
  EXPECT_EQ(slurp(out.file("chain_obs0.ranges")), "theta_0\tN\tN\ntheta_1\tN\tN\n");
  std::istringstream rows(slurp(out.file("chain_obs0.txt")));
  std::string line;
  int n = 0;
  double w = 0, neg_lp = 0, t0 = 0, t1 = 0;
  while (std::getline(rows, line)) {
    std::istringstream cols(line);
    ASSERT_TRUE(static_cast<bool>(cols >> w >> neg_lp >> t0 >> t1)) << line;
    EXPECT_EQ(w, 1.0);
    ++n;
  }
  EXPECT_EQ(n, 400);
  // The draws come back exactly (17 significant digits).
  io::H5File p = io::H5File::open_read(out.file("post.h5"));
  std::vector<size_t> shape;
  const std::vector<double> theta1 = p.read_array("/posterior/theta_1", &shape);  // (1, 400, 2)
  EXPECT_EQ(t1, theta1[399 * 2 + 0]);
  // CSV.
  r = sbi(out, "export " + out.file("post.h5") + " --format csv --out " + out.file("table"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string csv = slurp(out.file("table_obs0.csv"));
  EXPECT_EQ(csv.rfind("theta_0,theta_1\n", 0), 0u);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 401);
  r = sbi(out, "export " + out.file("post.h5") + " --format fits --out " + out.file("x"));
  EXPECT_NE(r.err.find("getdist or csv"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sbi
