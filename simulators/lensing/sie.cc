#include "simulators/lensing/sie.h"

#include "simulators/lensing/sie_impl.h"

namespace sbi::simulators::lensing {

template class SieT<double>;

}  // namespace sbi::simulators::lensing
