#include "simulators/registry.h"

#include <gtest/gtest.h>

#include <cmath>

#include "simulators/gaussian_linear.h"
#include "tests/simulators/error_message.h"

namespace sbi::simulators {
namespace {

using testing::error_message;

TEST(Registry, ListsTheFourSbibmTasksDwarfCosmoFieldLensingAndGalaxyImages) {
  EXPECT_EQ(task_names(), (std::vector<std::string>{"cosmo_field", "dwarf", "galaxy_images",
                                                    "gaussian_linear", "gaussian_linear_uniform",
                                                    "lensing", "slcp", "two_moons"}));
}

TEST(Registry, TasksHaveSbibmShapesAndPriors) {
  struct Expected {
    const char* name;
    int theta_dim, x_dim;
    const char* prior;
  };
  // sbibm priors: U(-1,1)², N(0, 0.1 I) (std √0.1), U(-1,1)^10, U(-3,3)^5.
  const Expected cases[] = {{"two_moons", 2, 2, "uniform(-1,1)*2"},
                            {"gaussian_linear", 10, 10, "normal(0,0.31622776601683794)*10"},
                            {"gaussian_linear_uniform", 10, 10, "uniform(-1,1)*10"},
                            {"slcp", 5, 8, "uniform(-3,3)*5"}};
  for (const Expected& e : cases) {
    const Task task = make_task(e.name);
    EXPECT_EQ(task.simulator->name(), e.name);
    EXPECT_EQ(task.simulator->theta_dim(), e.theta_dim) << e.name;
    EXPECT_EQ(task.simulator->x_dim(), e.x_dim) << e.name;
    EXPECT_EQ(task.prior.dim(), e.theta_dim) << e.name;
    EXPECT_EQ(task.prior.to_string(), e.prior) << e.name;
  }
  EXPECT_EQ(make_task("gaussian_linear").prior.marginals()[0].b, std::sqrt(0.1));
}

TEST(Registry, DefaultNamesAreNumbered) {
  const Task task = make_task("slcp");
  EXPECT_EQ(task.simulator->parameter_names(),
            (std::vector<std::string>{"theta_0", "theta_1", "theta_2", "theta_3", "theta_4"}));
  EXPECT_EQ(task.simulator->data_names().size(), 8u);
  EXPECT_EQ(task.simulator->data_names()[7], "x_7");
}

TEST(Registry, ParamsOverrideDefaults) {
  const Task task =
      make_task("gaussian_linear", {{"dim", "3"}, {"prior_var", "0.5"}, {"noise_var", "2e-2"}});
  EXPECT_EQ(task.simulator->theta_dim(), 3);
  EXPECT_EQ(task.prior.dim(), 3);
  EXPECT_EQ(task.prior.marginals()[2].b, std::sqrt(0.5));
  const auto* sim = dynamic_cast<const GaussianLinear*>(task.simulator.get());
  ASSERT_NE(sim, nullptr);
  EXPECT_EQ(sim->noise_var(), 0.02);
  const Task uniform = make_task("gaussian_linear_uniform", {{"dim", "2"}, {"prior_bound", "3"}});
  EXPECT_EQ(uniform.prior.to_string(), "uniform(-3,3)*2");
}

TEST(Registry, ErrorsNameTheProblem) {
  EXPECT_NE(error_message([] { make_task("foo"); })
                .find("make_task: unknown task 'foo'; known tasks: cosmo_field, dwarf, galaxy_images, "
                      "gaussian_linear, gaussian_linear_uniform, lensing, slcp, two_moons"),
            std::string::npos);
  EXPECT_NE(error_message([] {
              make_task("two_moons", {{"dim", "3"}});
            }).find("make_task: task two_moons has no parameter 'dim'; accepted: (none)"),
            std::string::npos);
  EXPECT_NE(error_message([] {
              make_task("gaussian_linear", {{"sigma", "1"}});
            }).find("has no parameter 'sigma'; accepted: dim, noise_var, prior_var"),
            std::string::npos);
  EXPECT_NE(error_message([] {
              make_task("gaussian_linear", {{"dim", "abc"}});
            }).find("gaussian_linear parameter dim = 'abc' is not an integer in 1..1000000"),
            std::string::npos);
  EXPECT_NE(error_message([] {
              make_task("gaussian_linear", {{"dim", "0"}});
            }).find("dim = '0'"),
            std::string::npos);
  EXPECT_NE(error_message([] {
              make_task("gaussian_linear", {{"prior_var", "nan"}});
            }).find("prior_var = 'nan' is not a finite number"),
            std::string::npos);
  EXPECT_NE(error_message([] {
              make_task("gaussian_linear_uniform", {{"noise_var", "-1"}});
            }).find("GaussianLinear: noise_var = -1, must be finite and > 0"),
            std::string::npos);
}

}  // namespace
}  // namespace sbi::simulators
