#include "simulators/lensing/lens_model.h"

#include "simulators/lensing/lens_model_impl.h"

namespace sbi::simulators::lensing {

template class LensModelT<double>;

}  // namespace sbi::simulators::lensing
