"""What the PyTorch comparison scripts (realnvp_pytorch.py, cnn_pytorch.py) share: the name of
the BLAS library torch loaded, the reader of a C++ bench's --dump file, and the bookkeeping of
a --check run (relative errors against the C++ figures, PASSED/FAILED)."""
import numpy as np


def blas_name():
    """The BLAS library torch actually loaded (Debian's torch uses the system libblas.so.3,
    which the alternatives system or LD_LIBRARY_PATH points at ATLAS, OpenBLAS, ...)."""
    try:
        maps = open("/proc/self/maps").read()
    except OSError:
        return "unknown"
    for key, name in (("libmkl", "mkl"), ("libopenblas", "openblas"), ("libblis", "blis"),
                      ("/atlas/", "atlas"), ("/blas/libblas", "reference")):
        if key in maps:
            return name
    return "unknown"


def read_dump(path):
    """The text file of a bench's --dump (bench_train_throughput, bench_cnn_throughput):
    name -> value; arrays row-major; "param" and "init_param" are lists of (name, array)."""
    out = {"param": [], "init_param": []}
    with open(path) as f:
        for line in f:
            fields = line.split()
            if fields[0] == "config":
                out["config"] = [int(v) for v in fields[1:]]
            elif fields[0] in ("param", "init_param"):
                rows, cols = int(fields[2]), int(fields[3])
                out[fields[0]].append((fields[1], np.array(fields[4:], dtype=np.float64).reshape(rows, cols)))
            elif len(fields) == 2:
                out[fields[0]] = float(fields[1])
            else:
                rows, cols = int(fields[1]), int(fields[2])
                out[fields[0]] = np.array(fields[3:], dtype=np.float64).reshape(rows, cols)
    return out


def load_parameters(params, named):
    """Copies the dumped (name, array) list into the torch parameters, in order."""
    import torch

    assert len(params) == len(named), f"{len(params)} tensors vs {len(named)} in the dump"
    with torch.no_grad():
        for p, (name, value) in zip(params, named):
            assert p.numel() == value.size, f"{name}: {tuple(p.shape)} vs {value.shape}"
            p.copy_(torch.tensor(value, dtype=p.dtype).reshape(p.shape))


class CheckReport:
    """Prints one line per compared figure and remembers whether all agreed.

    `floor` is the smallest denominator of a relative error (1.0 makes errors of figures
    near zero absolute); `width` aligns the names."""

    def __init__(self, floor=1e-300, width=36):
        self.ok, self.floor, self.width = True, floor, width

    def value(self, name, cpp, py, tol):
        err = abs(cpp - py) / max(self.floor, abs(cpp))
        good = err <= tol
        self.ok &= good
        print(f"  {name:<{self.width}} cpp={cpp:.12g} pytorch={py:.12g} rel_err={err:.2e} "
              f"{'ok' if good else 'MISMATCH'} (tol {tol:g})")

    def count(self, cpp, py):
        good = cpp == py
        self.ok &= good
        print(f"  parameters: cpp={cpp} pytorch={py} {'ok' if good else 'MISMATCH'}")

    def max_error(self, name, cpp, py, tol):
        """The largest absolute difference of two arrays, against tol x max(1, max |cpp|)."""
        err = np.abs(py - cpp).max()
        good = bool(err <= tol * max(1.0, np.abs(cpp).max()))
        self.ok &= good
        print(f"  {name:<{self.width}} max_abs_err={err:.2e} {'ok' if good else 'MISMATCH'}")

    def finish(self):
        print("check: " + ("PASSED" if self.ok else "FAILED"))
        return 0 if self.ok else 1
