! The two-moons task (simulators/two_moons.cc) as a simulator plugin in Fortran, through
! iso_c_binding (include/sbi_plugin.h): the same draws in the same order as the built-in, so
! its simulations are bitwise identical (compiled with the toolkit's options, the same target
! CPU and fused multiply-adds; and -frecursive: locals on the stack, as several threads call
! sbi_plugin_simulate at once).
module two_moons_plugin
  use, intrinsic :: iso_c_binding
  implicit none
  private

  integer(c_int32_t), parameter :: abi_version = 1  ! SBI_PLUGIN_ABI_VERSION
  real(c_double), parameter :: pi = 3.14159265358979323846_c_double
  real(c_double), parameter :: sqrt_half = 0.70710678118654752440_c_double

  ! struct sbi_host
  type, bind(c) :: sbi_host
    integer(c_int32_t) :: abi_version
    type(c_funptr) :: uniform, normal, next_u64
  end type

  abstract interface
    function draw(rng) bind(c)
      import :: c_double, c_ptr
      type(c_ptr), value :: rng
      real(c_double) :: draw
    end function
  end interface

  character(kind=c_char, len=16), target, save :: name = "two_moons_f90" // c_null_char
  character(kind=c_char, len=16), target, save :: parameter_names = "theta_0,theta_1" // c_null_char
  character(kind=c_char, len=8), target, save :: data_names = "x_0,x_1" // c_null_char

  public :: plugin_abi_version, plugin_theta_dim, plugin_x_dim, plugin_name, &
            plugin_parameter_names, plugin_data_names, plugin_simulate

contains

  integer(c_int32_t) function plugin_abi_version() bind(c, name="sbi_plugin_abi_version")
    plugin_abi_version = abi_version
  end function

  integer(c_int32_t) function plugin_theta_dim() bind(c, name="sbi_plugin_theta_dim")
    plugin_theta_dim = 2
  end function

  integer(c_int32_t) function plugin_x_dim() bind(c, name="sbi_plugin_x_dim")
    plugin_x_dim = 2
  end function

  type(c_ptr) function plugin_name() bind(c, name="sbi_plugin_name")
    plugin_name = c_loc(name)
  end function

  type(c_ptr) function plugin_parameter_names() bind(c, name="sbi_plugin_parameter_names")
    plugin_parameter_names = c_loc(parameter_names)
  end function

  type(c_ptr) function plugin_data_names() bind(c, name="sbi_plugin_data_names")
    plugin_data_names = c_loc(data_names)
  end function

  recursive integer(c_int32_t) function plugin_simulate(theta, seed, host, rng, x) &
      bind(c, name="sbi_plugin_simulate")
    real(c_double), intent(in) :: theta(2)
    integer(c_int64_t), value :: seed
    type(sbi_host), intent(in) :: host
    type(c_ptr), value :: rng
    real(c_double), intent(out) :: x(2)
    procedure(draw), pointer :: uniform, normal
    real(c_double) :: lo, hi, a, r, s0, s1

    call c_f_procpointer(host%uniform, uniform)
    call c_f_procpointer(host%normal, normal)
    lo = -pi / 2
    hi = pi / 2
    a = lo + (hi - lo) * uniform(rng)  ! drawn first, as in sbibm
    r = 0.1_c_double + 0.01_c_double * normal(rng)
    s0 = -abs(theta(1) + theta(2)) * sqrt_half
    s1 = (theta(2) - theta(1)) * sqrt_half
    x(1) = r * cos(a) + 0.25_c_double + s0
    x(2) = r * sin(a) + s1
    plugin_simulate = 0  ! seed is unused: the toolkit's stream is used instead
  end function

end module
