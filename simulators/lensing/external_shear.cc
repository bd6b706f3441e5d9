#include "simulators/lensing/external_shear.h"

#include "simulators/lensing/external_shear_impl.h"

namespace sbi::simulators::lensing {

template class ExternalShearT<double>;

}  // namespace sbi::simulators::lensing
