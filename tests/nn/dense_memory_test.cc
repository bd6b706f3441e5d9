// A layer too large for this machine is refused before it is allocated, with its size.
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "core/memory_budget.h"
#include "nn/dense.h"

namespace sbi::nn {
namespace {

std::string error_of(int in, int out) {
  try {
    Dense layer(in, out);
  } catch (const core::Error& e) {
    return e.what();
  }
  return "";
}

TEST(DenseMemory, HugeLayerIsRefusedWithItsSize) {
  // 4 copies (weights, gradients, two Adam moments) of (1e6 + 1) x 1e6 doubles = 29.1 TiB.
  EXPECT_EQ(core::format_bytes(4.0 * 8 * 1000001.0 * 1000000), "29.1 TiB");
  const std::string message = error_of(1000000, 1000000);
  EXPECT_NE(message.find("a dense layer of 1000000 x 1000000 (weights, gradients and Adam "
                         "moments) needs 29.1 TiB, more than this machine's"),
            std::string::npos)
      << message;
}

TEST(DenseMemory, NegativeSizeIsRefused) {
  EXPECT_EQ(error_of(-3, 4), "Dense: a layer of -3 x 4 has a negative size");
}

TEST(DenseMemory, OrdinaryLayerIsBuilt) {
  Dense layer(300, 200);
  EXPECT_EQ(layer.in(), 300);
  EXPECT_EQ(layer.out(), 200);
  EXPECT_EQ(layer.weight().squaredNorm(), 0.0);
}

}  // namespace
}  // namespace sbi::nn
