#!/usr/bin/python3
"""The conditional RealNVP of flows/realnvp.cc, written in PyTorch, for a same-architecture
speed comparison with bench_train_throughput (see bench/README.md and compare_pytorch.sh).

Same model: coupling layers z_B = u_B * exp(s) + t with s = clamp * tanh(s_raw / clamp),
clamp = 3, conditioner input [u_A; c] and output [s_raw; t]; the conditioner is the residual
MLP of nn/mlp.cc (Linear(in, H) -> blocks h += Linear(relu(Linear(relu(h)))) -> Linear(H, out))
with a zero-initialised last layer and PyTorch's default init elsewhere (which is what
nn::Init::kPyTorch reproduces); the partitions are computed with a Python copy of core::Rng,
so they are the C++ ones for the same model seed. Standard normal base, Adam lr 1e-3,
gradient-norm clip 5, batches from a per-epoch shuffle of all simulations.

Same data: two_moons as in sbibm, simulated with numpy (theta ~ U(-1, 1)^2, a ~ U(-pi/2, pi/2),
r ~ N(0.1, 0.01), p = (r cos a + 0.25, r sin a), x = p + (-|t0 + t1| / sqrt 2, (-t0 + t1) / sqrt 2)),
z-scored. Prints one key=value line like bench_train_throughput.

  /usr/bin/python3 bench/realnvp_pytorch.py [--threads 1] [--dtype float32|float64]
      [--steps 2000] [--warmup 50] [--batch-size 128] [--hidden 64] [--transforms 5]
      [--layers 2] [--sims 10000] [--seed 1] [--samples 10000] [--sample-reps 5]
  /usr/bin/python3 bench/realnvp_pytorch.py --check DUMP   # DUMP from bench_train_throughput --dump
"""
import argparse
import math
import statistics
import sys
import time

import numpy as np

from pytorch_check import CheckReport, blas_name, load_parameters, read_dump

try:
    import torch
    from torch import nn
except ImportError:  # pragma: no cover
    sys.exit("realnvp_pytorch.py: torch is missing (apt-get install -y python3-torch)")

LOG_2PI = math.log(2.0 * math.pi)
MASK64 = (1 << 64) - 1


class CoreRng:
    """core::Rng (xoshiro256** seeded through splitmix64): only what the partitions need."""

    def __init__(self, seed, stream=0):
        x = (seed ^ ((0x9E3779B97F4A7C15 * (stream + 1)) & MASK64)) & MASK64
        x, z = self._splitmix64(x)
        x = z ^ stream
        self.state = []
        for _ in range(4):
            x, z = self._splitmix64(x)
            self.state.append(z)

    @staticmethod
    def _splitmix64(x):
        x = (x + 0x9E3779B97F4A7C15) & MASK64
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return x, z ^ (z >> 31)

    @staticmethod
    def _rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK64

    def next_u64(self):
        s = self.state
        result = (self._rotl((s[1] * 5) & MASK64, 7) * 9) & MASK64
        t = (s[1] << 17) & MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self._rotl(s[3], 45)
        return result

    def below(self, n):
        return (self.next_u64() * n) >> 64


def partitions(theta_dim, num_transforms, seed):
    """(A, B) per layer exactly as RealNVP's constructor builds them."""
    out, a, b = [], [], []
    d = theta_dim
    for k in range(num_transforms):
        if d == 1:
            a, b = [], [0]
        elif k % 2 == 0:
            perm = list(range(d))
            rng = CoreRng(seed, 1000 + k)
            if k > 0:
                for i in range(d - 1, 0, -1):
                    j = rng.below(i + 1)
                    perm[i], perm[j] = perm[j], perm[i]
            a, b = sorted(perm[: d // 2]), sorted(perm[d // 2:])
        else:
            a, b = b, a
        out.append((list(a), list(b)))
    return out


class ResidualNet(nn.Module):
    """nn::Mlp with residual = true; layers in the C++ order dense0 .. dense{2L+1}."""

    def __init__(self, inp, out, hidden, blocks):
        super().__init__()
        sizes = [(inp, hidden)] + [(hidden, hidden)] * (2 * blocks) + [(hidden, out)]
        self.layers = nn.ModuleList(nn.Linear(i, o) for i, o in sizes)
        nn.init.zeros_(self.layers[-1].weight)
        nn.init.zeros_(self.layers[-1].bias)
        self.blocks = blocks

    def forward(self, x):
        h = self.layers[0](x)
        for b in range(self.blocks):
            a = self.layers[1 + 2 * b](torch.relu(h))
            h = h + self.layers[2 + 2 * b](torch.relu(a))
        return self.layers[-1](h)


class AffineCoupling(nn.Module):
    def __init__(self, a, b, context_dim, hidden, blocks, clamp):
        super().__init__()
        self.nb = len(b)
        self.clamp = clamp
        self.register_buffer("idx_a", torch.tensor(a, dtype=torch.long))
        self.register_buffer("idx_b", torch.tensor(b, dtype=torch.long))
        self.register_buffer("inv", torch.tensor(np.argsort(a + b), dtype=torch.long))
        self.net = ResidualNet(len(a) + context_dim, 2 * len(b), hidden, blocks)

    def conditioner(self, u, c):
        inp = torch.cat([u[:, self.idx_a], c], dim=1) if len(self.idx_a) else c
        out = self.net(inp)
        s = self.clamp * torch.tanh(out[:, : self.nb] / self.clamp)
        return s, out[:, self.nb:]

    def forward(self, u, c):
        s, t = self.conditioner(u, c)
        zb = u[:, self.idx_b] * torch.exp(s) + t
        z = torch.cat([u[:, self.idx_a], zb], dim=1)[:, self.inv]
        return z, s.sum(dim=1)

    def inverse(self, z, c):
        """u and the log|det du/dz| = -sum(s) of this layer."""
        s, t = self.conditioner(z, c)  # u_A = z_A
        ub = (z[:, self.idx_b] - t) / torch.exp(s)
        return torch.cat([z[:, self.idx_a], ub], dim=1)[:, self.inv], -s.sum(dim=1)


class RealNVP(nn.Module):
    def __init__(self, theta_dim, context_dim, transforms=5, hidden=64, blocks=2, clamp=3.0, seed=0):
        super().__init__()
        self.theta_dim = theta_dim
        self.layers = nn.ModuleList(
            AffineCoupling(a, b, context_dim, hidden, blocks, clamp)
            for a, b in partitions(theta_dim, transforms, seed))

    def log_prob(self, theta, c):
        z, log_det = theta, 0.0
        for layer in self.layers:
            z, ld = layer(z, c)
            log_det = log_det + ld
        return -0.5 * (z * z).sum(dim=1) - 0.5 * self.theta_dim * LOG_2PI + log_det

    def sample(self, c, with_log_prob=False):
        """One draw per row of c; with_log_prob: also log q of each draw, from the same pass."""
        z = torch.randn(c.shape[0], self.theta_dim, dtype=c.dtype)
        u, log_det = z, 0.0
        for layer in reversed(self.layers):
            u, ld = layer.inverse(u, c)
            log_det = log_det + ld
        if not with_log_prob:
            return u
        return u, -0.5 * (z * z).sum(dim=1) - 0.5 * self.theta_dim * LOG_2PI - log_det


def two_moons(n, seed):
    rng = np.random.default_rng(seed)
    theta = rng.uniform(-1.0, 1.0, size=(n, 2))
    a = rng.uniform(-math.pi / 2, math.pi / 2, size=n)
    r = rng.normal(0.1, 0.01, size=n)
    p = np.stack([r * np.cos(a) + 0.25, r * np.sin(a)], axis=1)
    shift = np.stack([-np.abs(theta[:, 0] + theta[:, 1]) / math.sqrt(2),
                      (-theta[:, 0] + theta[:, 1]) / math.sqrt(2)], axis=1)
    return theta, p + shift


def zscore(v):
    return (v - v.mean(axis=0)) / v.std(axis=0, ddof=1)


def count_params(model):
    return sum(p.numel() for p in model.parameters())


def benchmark(args):
    torch.set_num_threads(args.threads)
    dtype = getattr(torch, args.dtype)
    torch.manual_seed(args.seed)
    theta_np, x_np = two_moons(args.sims, args.seed)
    theta = torch.tensor(zscore(theta_np), dtype=dtype)
    x = torch.tensor(zscore(x_np), dtype=dtype)
    model = RealNVP(2, 2, args.transforms, args.hidden, args.layers).to(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    params = list(model.parameters())
    n, bs = args.sims, args.batch_size
    with torch.no_grad():
        loss_init = -model.log_prob(theta[:bs], x[:bs]).mean().item()

    batches_per_epoch = n // bs  # the last partial batch is dropped, as in the C++ trainer
    state = {"perm": None, "b": batches_per_epoch}

    def train_step():
        if state["b"] == batches_per_epoch:
            state["perm"], state["b"] = torch.randperm(n), 0
        idx = state["perm"][state["b"] * bs:(state["b"] + 1) * bs]
        state["b"] += 1
        tb, xb = theta[idx], x[idx]
        opt.zero_grad()
        loss = -model.log_prob(tb, xb).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
        return loss.item()

    loss = float("nan")
    for _ in range(args.warmup):
        loss = train_step()
    tail = min(100, args.steps)
    tail_sum = 0.0
    start = time.perf_counter()
    for i in range(args.steps):
        loss = train_step()
        if i >= args.steps - tail:
            tail_sum += loss
    train_s = time.perf_counter() - start

    # Sampling for one observation (the first simulated x), the same with log q of each
    # draw from the inverse pass, then log_prob of the draws; one untimed call, then the
    # median of sample_reps timed calls.
    context = x[:1].expand(args.samples, -1)
    sample_t, sample_lp_t, log_prob_t = [], [], []
    with torch.no_grad():
        draws, lp_sampled = model.sample(context, with_log_prob=True)
        lp = model.log_prob(draws, context)
        for _ in range(args.sample_reps):
            t0 = time.perf_counter()
            draws = model.sample(context)
            t1 = time.perf_counter()
            draws, lp_sampled = model.sample(context, with_log_prob=True)
            t2 = time.perf_counter()
            lp = model.log_prob(draws, context)
            t3 = time.perf_counter()
            sample_t.append(t1 - t0)
            sample_lp_t.append(t2 - t1)
            log_prob_t.append(t3 - t2)
        lp_mismatch = (lp - lp_sampled).abs().max().item()
    sample_lp_s = statistics.median(sample_lp_t)
    sample_s, log_prob_s = statistics.median(sample_t), statistics.median(log_prob_t)
    print(f"impl=pytorch dtype={args.dtype} threads={torch.get_num_threads()} "
          f"params={count_params(model)} batch={bs} hidden={args.hidden} "
          f"transforms={args.transforms} layers={args.layers} warmup={args.warmup} "
          f"steps={args.steps} train_s={train_s:.4f} steps_per_s={args.steps / train_s:.1f} "
          f"samples_per_s={args.steps * bs / train_s:.0f} loss_init={loss_init:.6f} "
          f"loss_final={loss:.6f} loss_last100={tail_sum / tail:.6f} sample_n={args.samples} "
          f"sample_s={sample_s:.5f} draws_per_s={args.samples / sample_s:.0f} "
          f"sample_lp_s={sample_lp_s:.5f} sample_lp_per_s={args.samples / sample_lp_s:.0f} "
          f"log_prob_s={log_prob_s:.5f} log_prob_per_s={args.samples / log_prob_s:.0f} "
          f"mean_log_prob={lp.mean().item():.4f} lp_mismatch={lp_mismatch:.1e} "
          f"torch={torch.__version__} blas={blas_name()}")


def check(args):
    """Verifies against a C++ dump that both sides compute the same function."""
    torch.set_num_threads(args.threads)
    d = read_dump(args.check)
    transforms, hidden, layers, theta_dim, context_dim, seed, cpp_params = d["config"]
    report = CheckReport(floor=1.0, width=38)

    def loss_and_grad_norm(model, dtype):
        model.zero_grad()
        t = torch.tensor(d["batch_theta"], dtype=dtype)
        c = torch.tensor(d["batch_context"], dtype=dtype)
        loss = -model.log_prob(t, c).mean()
        loss.backward()
        g = torch.sqrt(sum((p.grad.double() ** 2).sum() for p in model.parameters())).item()
        return loss.item(), g

    print(f"partitions (model seed {seed}): {partitions(theta_dim, transforms, seed)}")
    for dtype, tol in ((torch.float64, 1e-10), (torch.float32, 1e-5)):
        name = str(dtype).replace("torch.", "")
        print(f"{name}:")
        torch.manual_seed(0)
        model = RealNVP(theta_dim, context_dim, transforms, hidden, layers, seed=seed).to(dtype)
        report.count(cpp_params, count_params(model))
        # A fresh model (PyTorch's own random weights, zero last layer) is the identity flow.
        loss, _ = loss_and_grad_norm(model, dtype)
        report.value("initial loss, fresh weights", d["loss_init"], loss, tol)
        load_parameters(list(model.parameters()), d["init_param"])
        loss, g = loss_and_grad_norm(model, dtype)
        report.value("initial loss, C++ init weights", d["loss_init"], loss, tol)
        report.value("initial grad norm, C++ init weights", d["grad_norm_init"], g, tol)
        load_parameters(list(model.parameters()), d["param"])
        loss, g = loss_and_grad_norm(model, dtype)
        report.value("loss after warm-up, C++ weights", d["loss"], loss, tol)
        report.value("grad norm after warm-up, C++ weights", d["grad_norm"], g, 10 * tol)
        with torch.no_grad():
            z = torch.tensor(d["inverse_z"], dtype=dtype)
            c = torch.tensor(d["batch_context"], dtype=dtype)
            u = z
            for layer in reversed(model.layers):
                u, _ = layer.inverse(u, c)
        report.max_error("inverse pass, C++ weights", d["inverse_theta"], u.double().numpy(), 10 * tol)
    return report.finish()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--transforms", type=int, default=5)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--sims", type=int, default=10000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--samples", type=int, default=10000)
    p.add_argument("--sample-reps", type=int, default=5)
    p.add_argument("--check", metavar="DUMP", help="compare with bench_train_throughput --dump DUMP")
    args = p.parse_args()
    if args.check:
        return check(args)
    benchmark(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
