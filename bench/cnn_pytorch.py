#!/usr/bin/python3
"""The network of bench_cnn_throughput (nn::CnnEmbedding with its defaults and an MLP
regression head), written in PyTorch as a user would write it, for a same-network speed
comparison (see bench/README.md and compare_pytorch_cnn.sh).

Same network: [Conv2d(k=3, padding=1) -> ReLU -> AvgPool2d(2)] with 16, 32, 64 channels ->
Flatten -> Linear(64*6*6, 128) -> ReLU -> Linear(128, 20) (the embedding), then
Linear(20, 64) -> ReLU -> Linear(64, 64) -> ReLU -> Linear(64, 4); PyTorch's default
initialisation (which nn::Init::kPyTorch reproduces); MSE loss, Adam lr 1e-3, gradient-norm
clip 5, batches from a per-epoch shuffle.

Same data recipe: 48 x 48 images of a Gaussian blob a exp(-|p - p0|^2 / (2 s^2)) plus white
noise of sigma 0.1, p0 ~ U(12, 36)^2, s ~ U(1.5, 4), a ~ U(0.5, 2), targets z-scored with the
prior's moments (numpy's generator: other draws than the C++ ones, the same distribution).
Prints one key=value line like bench_cnn_throughput.

  /usr/bin/python3 bench/cnn_pytorch.py [--threads 1] [--dtype float32|float64] [--mkldnn 1|0]
      [--steps 30] [--warmup 3] [--batch-size 128] [--images 2048] [--size 48] [--seed 1]
  /usr/bin/python3 bench/cnn_pytorch.py --check DUMP   # DUMP from bench_cnn_throughput --dump

--mkldnn 0 turns oneDNN off (torch.backends.mkldnn.enabled = False): convolutions then run
as PyTorch's own im2col + BLAS GEMM (slow_conv2d), in whatever BLAS torch loaded.
"""
import argparse
import math
import sys
import time

import numpy as np

from pytorch_check import CheckReport, blas_name, load_parameters, read_dump

try:
    import torch
    from torch import nn
except ImportError:  # pragma: no cover
    sys.exit("cnn_pytorch.py: torch is missing (apt-get install -y python3-torch)")


def make_model(size=48, channels=(16, 32, 64), kernel=3, hidden=128, out_dim=20):
    layers, c = [], 1
    for co in channels:
        layers += [nn.Conv2d(c, co, kernel, padding=(kernel - 1) // 2), nn.ReLU(), nn.AvgPool2d(2)]
        c = co
    side = size >> len(channels)
    embedding = nn.Sequential(*layers, nn.Flatten(), nn.Linear(c * side * side, hidden), nn.ReLU(),
                              nn.Linear(hidden, out_dim))
    head = nn.Sequential(nn.Linear(out_dim, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4))
    return embedding, head


def blobs(n, size, seed):
    rng = np.random.default_rng(seed)
    lo, hi = 0.2 * size, 0.8 * size
    x0, y0 = rng.uniform(lo, hi, n), rng.uniform(lo, hi, n)
    s, a = rng.uniform(1.5, 4.0, n), rng.uniform(0.5, 2.0, n)
    r, c = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    d2 = (c[None] - x0[:, None, None]) ** 2 + (r[None] - y0[:, None, None]) ** 2
    images = a[:, None, None] * np.exp(-d2 / (2 * s[:, None, None] ** 2)) + 0.1 * rng.standard_normal((n, size, size))
    z = lambda v, lo_, hi_: (v - 0.5 * (lo_ + hi_)) / ((hi_ - lo_) / math.sqrt(12))
    targets = np.stack([z(x0, lo, hi), z(y0, lo, hi), z(s, 1.5, 4.0), z(a, 0.5, 2.0)], axis=1)
    return images[:, None], targets


def benchmark(args):
    torch.set_num_threads(args.threads)
    torch.backends.mkldnn.enabled = bool(args.mkldnn)
    dtype = getattr(torch, args.dtype)
    torch.manual_seed(args.seed)
    images, targets = blobs(args.images, args.size, args.seed)
    x = torch.tensor(images, dtype=dtype)
    t = torch.tensor(targets, dtype=dtype)
    embedding, head = make_model(args.size)
    embedding, head = embedding.to(dtype), head.to(dtype)
    params = list(embedding.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    n, bs = args.images, args.batch_size
    with torch.no_grad():
        loss_init = nn.functional.mse_loss(head(embedding(x[:16])), t[:16]).item()

    batches_per_epoch = n // bs  # the last partial batch is dropped, as in the C++ trainer
    state = {"perm": None, "b": batches_per_epoch}
    timing = {"forward": 0.0, "backward": 0.0}

    def train_step():
        if state["b"] == batches_per_epoch:
            state["perm"], state["b"] = torch.randperm(n), 0
        idx = state["perm"][state["b"] * bs:(state["b"] + 1) * bs]
        state["b"] += 1
        opt.zero_grad()
        t0 = time.perf_counter()
        loss = nn.functional.mse_loss(head(embedding(x[idx])), t[idx])
        t1 = time.perf_counter()
        loss.backward()
        timing["forward"] += t1 - t0
        timing["backward"] += time.perf_counter() - t1
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
        return loss.item()

    for _ in range(args.warmup):
        train_step()
    timing["forward"] = timing["backward"] = 0.0
    t0, cpu0 = time.perf_counter(), time.process_time()
    loss_sum = 0.0
    for _ in range(args.steps):
        loss = train_step()
        loss_sum += loss
    train_s, cpu_s = time.perf_counter() - t0, time.process_time() - cpu0
    other = train_s - timing["forward"] - timing["backward"]
    print(f"impl=pytorch dtype={args.dtype} mkldnn={args.mkldnn} threads={torch.get_num_threads()} "
          f"params={sum(p.numel() for p in params)} batch={bs} size={args.size} warmup={args.warmup} "
          f"steps={args.steps} train_s={train_s:.4f} cpu_s={cpu_s:.4f} steps_per_s={args.steps / train_s:.3f} "
          f"cpu_ms_per_step={1e3 * cpu_s / args.steps:.2f} "
          f"images_per_s={args.steps * bs / train_s:.1f} forward_ms={1e3 * timing['forward'] / args.steps:.2f} "
          f"backward_ms={1e3 * timing['backward'] / args.steps:.2f} other_ms={1e3 * other / args.steps:.2f} "
          f"loss_init={loss_init:.6f} loss_final={loss:.6f} loss_mean={loss_sum / args.steps:.6f} "
          f"torch={torch.__version__} blas={blas_name()}")


def check(args):
    """Verifies against a C++ dump that both sides compute the same function."""
    torch.set_num_threads(args.threads)
    d = read_dump(args.check)
    size, kernel, hidden, out_dim, cpp_params, *channels = d["config"]
    report = CheckReport(floor=1e-300, width=36)
    for dtype, tol in ((torch.float64, 1e-10), (torch.float32, 1e-5)):
        print(f"{str(dtype).replace('torch.', '')}:")
        embedding, head = make_model(size, tuple(channels), kernel, hidden, out_dim)
        embedding, head = embedding.to(dtype), head.to(dtype)
        params = list(embedding.parameters()) + list(head.parameters())
        report.count(cpp_params, sum(p.numel() for p in params))
        x = torch.tensor(d["batch_x"], dtype=dtype).reshape(-1, 1, size, size)
        t = torch.tensor(d["batch_t"], dtype=dtype)

        def loss_and_grad_norm():
            for p in params:
                p.grad = None
            loss = nn.functional.mse_loss(head(embedding(x)), t)
            loss.backward()
            return loss.item(), torch.sqrt(sum((p.grad.double() ** 2).sum() for p in params)).item()

        load_parameters(params, d["init_param"])
        loss, g = loss_and_grad_norm()
        report.value("loss, C++ initial weights", d["loss_init"], loss, tol)
        report.value("gradient norm, C++ initial weights", d["grad_norm_init"], g, tol)
        load_parameters(params, d["param"])
        loss, g = loss_and_grad_norm()
        report.value("loss after warm-up, C++ weights", d["loss"], loss, tol)
        report.value("gradient norm after warm-up", d["grad_norm"], g, tol)
        with torch.no_grad():
            report.max_error("embedding of the batch, C++ weights", d["embedding"],
                             embedding(x).double().numpy(), tol)
    return report.finish()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--mkldnn", type=int, choices=[0, 1], default=1)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--images", type=int, default=2048)
    p.add_argument("--size", type=int, default=48)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--check", metavar="DUMP", help="compare with bench_cnn_throughput --dump DUMP")
    args = p.parse_args()
    if args.check:
        return check(args)
    benchmark(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
