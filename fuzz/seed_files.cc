// Writes the seed files of the corpus that a user's own code would write (h5py-style: default
// property lists, no attributes or only the set-layout ones, float32 or float64), with the raw
// HDF5 C API. Used by fuzz/make_seed_corpus.sh; not a fuzzer.
//
//   fuzz_seed_files DIR    writes DIR/simulations/*.h5 and DIR/observations/*.h5
#include <hdf5.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace {

bool dataset(hid_t file, const char* name, hid_t file_type, const std::vector<hsize_t>& dims,
             const std::vector<double>& values) {
  const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t d = H5Dcreate2(file, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const bool ok = d >= 0 && H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                     values.data()) >= 0;
  H5Dclose(d);
  H5Sclose(space);
  return ok;
}

bool int_attr(hid_t file, const char* name, std::int64_t value) {
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t a = H5Acreate2(file, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  const bool ok = a >= 0 && H5Awrite(a, H5T_NATIVE_INT64, &value) >= 0;
  H5Aclose(a);
  H5Sclose(space);
  return ok;
}

std::vector<double> ramp(size_t n, double scale) {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = scale * (static_cast<double>(i % 7) - 3.0);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seed_files DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;
  auto file = [&](const std::string& name) {
    return H5Fcreate((dir + "/" + name).c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  };
  hid_t f = file("simulations/user_float32.h5");  // /theta (6, 2), /x (6, 3) float32
  ok &= dataset(f, "/theta", H5T_IEEE_F32LE, {6, 2}, ramp(12, 0.5));
  ok &= dataset(f, "/x", H5T_IEEE_F32LE, {6, 3}, ramp(18, 0.25));
  H5Fclose(f);
  // Sets of up to 3 rows of 2 features, D_x = 6, with /num_stars counting the rows present.
  f = file("simulations/user_set_counts.h5");
  ok &= dataset(f, "/theta", H5T_IEEE_F64LE, {4, 2}, ramp(8, 1.0));
  ok &= dataset(f, "/x", H5T_IEEE_F64LE, {4, 6}, ramp(24, 0.5));
  ok &= dataset(f, "/num_stars", H5T_STD_I64LE, {4}, {3, 1, 2, 3});
  ok &= int_attr(f, "set_size", 3) && int_attr(f, "set_features", 2);
  H5Fclose(f);
  f = file("observations/one_1d.h5");  // /x (2,): one observation
  ok &= dataset(f, "/x", H5T_IEEE_F64LE, {2}, {0.1, -0.2});
  H5Fclose(f);
  f = file("observations/three_with_theta.h5");  // /x (3, 2) with /theta (3, 2), float32
  ok &= dataset(f, "/x", H5T_IEEE_F32LE, {3, 2}, ramp(6, 0.1));
  ok &= dataset(f, "/theta", H5T_IEEE_F32LE, {3, 2}, ramp(6, 0.2));
  H5Fclose(f);
  f = file("observations/catalogue.h5");  // 3 stars (R, v_los) with velocity errors
  ok &= dataset(f, "/x", H5T_IEEE_F64LE, {3, 2}, {0.1, 3.0, 0.25, -5.5, 0.4, 1.25});
  ok &= dataset(f, "/v_err", H5T_IEEE_F64LE, {3}, {2.0, 1.5, 2.5});
  H5Fclose(f);
  f = file("observations/catalogue_full.h5");  // 4 stars: a full set of the fuzzed layouts
  ok &= dataset(f, "/x", H5T_IEEE_F32LE, {4, 2}, {0.1, 3.0, 0.25, -5.5, 0.4, 1.25, 0.6, 0.0});
  H5Fclose(f);
  if (!ok) std::fprintf(stderr, "fuzz_seed_files: an HDF5 call failed\n");
  return ok ? 0 : 1;
}
