# Provenance: a copy of the PyTorch peer that issue 14 measured against (the project's shared
# peer folder, torch_tiny_unet.py, sha256 ae9d019a...5fe1b94), kept here so that a clone can run
# `npm run bench -- --peer`. Changes to the copy: process CPU seconds (time.process_time, all
# threads) next to each wall time, so the benchmark can compare CPU time as well, and `blas`, the
# BLAS library the process loaded (Debian's torch uses the system libblas.so.3: the reference BLAS
# unless OpenBLAS is installed); the network, the epoch and the printed wall times are unchanged.
# Install its PyTorch with tools/peer/install.sh.
"""tiny-unet-32 (shared/design/tiny-unet.md) in PyTorch: the peer that a user would pick instead.

Used to (1) check the spec (parameter count, FLOPs), (2) time a DDPO epoch on this CPU in the same
run as the project's own benchmark. Run with Debian's python3 (python3-torch).
"""
import math, time, json, sys, argparse
import torch, torch.nn as nn, torch.nn.functional as F

P = 16

class ResBlock(nn.Module):
    def __init__(s, cin, cout):
        super().__init__()
        s.n1, s.c1 = nn.GroupNorm(8, cin), nn.Conv2d(cin, cout, 3, 1, 1)
        s.t = nn.Linear(128, cout)
        s.n2, s.c2 = nn.GroupNorm(8, cout), nn.Conv2d(cout, cout, 3, 1, 1)
        s.skip = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1)
    def forward(s, x, e):
        h = s.c1(F.silu(s.n1(x)))
        h = h + s.t(e)[:, :, None, None]
        h = s.c2(F.silu(s.n2(h)))
        return h + s.skip(x)

class Attention(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.n = nn.GroupNorm(8, c)
        s.q, s.k, s.v, s.o = (nn.Linear(c, c) for _ in range(4))
    def forward(s, x):
        B, C, H, W = x.shape
        y = s.n(x).reshape(B, C, H * W).transpose(1, 2)
        q, k, v = s.q(y), s.k(y), s.v(y)
        a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(C), dim=-1) @ v
        return x + s.o(a).transpose(1, 2).reshape(B, C, H, W)

class TinyUNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.t1, s.t2 = nn.Linear(64, 128), nn.Linear(128, 128)
        s.emb = nn.Embedding(P + 1, 128)
        s.cin = nn.Conv2d(3, 32, 3, 1, 1)
        s.r1 = ResBlock(32, 32); s.d1 = nn.Conv2d(32, 32, 3, 2, 1)
        s.r2 = ResBlock(32, 64); s.d2 = nn.Conv2d(64, 64, 3, 2, 1)
        s.m1, s.att, s.m2 = ResBlock(64, 64), Attention(64), ResBlock(64, 64)
        s.u2 = nn.Conv2d(64, 64, 3, 1, 1); s.r3 = ResBlock(128, 64)
        s.u1 = nn.Conv2d(64, 64, 3, 1, 1); s.r4 = ResBlock(96, 32)
        s.nout, s.cout = nn.GroupNorm(8, 32), nn.Conv2d(32, 3, 3, 1, 1)
        nn.init.zeros_(s.cout.weight); nn.init.zeros_(s.cout.bias)
    def forward(s, x, t, y):
        f = torch.exp(-math.log(10000) * torch.arange(32, dtype=x.dtype) / 32)
        a = t[:, None] * f[None]
        te = s.t2(F.silu(s.t1(torch.cat([a.sin(), a.cos()], 1))))
        e = F.silu(te + s.emb(y))
        h1 = s.r1(s.cin(x), e)
        h3 = s.r2(s.d1(h1), e)
        h7 = s.m2(s.att(s.m1(s.d2(h3), e)), e)
        h8 = s.r3(torch.cat([s.u2(F.interpolate(h7, scale_factor=2, mode='nearest')), h3], 1), e)
        h9 = s.r4(torch.cat([s.u1(F.interpolate(h8, scale_factor=2, mode='nearest')), h1], 1), e)
        return s.cout(F.silu(s.nout(h9)))

def loaded_blas():
    """The BLAS shared library mapped into this process (after a matrix product), or ''."""
    try:
        with open('/proc/self/maps') as f:
            libs = {line.split()[-1] for line in f if 'blas' in line.split()[-1]}
        return ','.join(sorted(libs))
    except OSError:
        return ''

def conv_flops(model, B=1):
    """multiply-adds x2 of convs and linears (the bulk), by hooks on one forward."""
    total = [0]
    def hook(m, i, o):
        if isinstance(m, nn.Conv2d):
            total[0] += 2 * o.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            total[0] += 2 * o.numel() * m.in_features
    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(torch.randn(B, 3, 32, 32), torch.full((B,), 500.0), torch.zeros(B, dtype=torch.long))
    for h in hs: h.remove()
    # attention matmuls: 2 * (HW*HW*C) * 2 per image at 8x8, C=64
    total[0] += B * 2 * 2 * 64 * 64 * 64
    return total[0]

def schedule():
    betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2
    return torch.cumprod(1 - betas, 0).float()

def ddim_step(ac, eps, t, prev_t, x, eta, prev=None, noise=None):
    a_t = ac[t]; a_p = ac[prev_t.clamp(0, 999)]
    var = (1 - a_p) / (1 - a_t) * (1 - a_t / a_p)
    std = eta * var.sqrt()
    shp = (-1,) + (1,) * (x.ndim - 1)
    a_t, a_p, std = a_t.view(shp), a_p.view(shp), std.view(shp)
    x0 = (x - (1 - a_t).sqrt() * eps) / a_t.sqrt()
    mean = a_p.sqrt() * x0 + (1 - a_p - std ** 2).sqrt() * eps
    if prev is None:
        prev = mean + std * noise
    lp = -((prev.detach() - mean) ** 2) / (2 * std ** 2) - std.log() - math.log(math.sqrt(2 * math.pi))
    return prev, lp.mean(dim=tuple(range(1, x.ndim)))

def ddpo_epoch(model, opt, B, steps, train_bs, eta=1.0, gen=None):
    """one DDPO epoch, no CFG: sample B images with log-probs, then one PPO pass over every timestep."""
    ac = schedule()
    ts = (torch.arange(steps) * (1000 // steps)).flip(0) + 1
    y = torch.randint(0, P, (B,), generator=gen)
    x = torch.randn(B, 3, 32, 32, generator=gen)
    lat, lps = [x], []
    t0 = time.perf_counter(); c0 = time.process_time()
    with torch.no_grad():
        for t in ts:
            tt = torch.full((B,), float(t)); ti = torch.full((B,), int(t))
            eps = model(x, tt, y)
            x, lp = ddim_step(ac, eps, ti, ti - 1000 // steps, x, eta, noise=torch.randn(x.shape, generator=gen))
            lat.append(x); lps.append(lp)
    t_sample = time.perf_counter() - t0; c_sample = time.process_time() - c0
    adv = torch.randn(B, generator=gen)
    t1 = time.perf_counter(); c1 = time.process_time()
    for j, t in enumerate(ts):
        for s in range(0, B, train_bs):
            sl = slice(s, s + train_bs)
            n = lat[j][sl].shape[0]
            tt = torch.full((n,), float(t)); ti = torch.full((n,), int(t))
            eps = model(lat[j][sl], tt, y[sl])
            _, lp = ddim_step(ac, eps, ti, ti - 1000 // steps, lat[j][sl], eta, prev=lat[j + 1][sl])
            ratio = torch.exp(lp - lps[j][sl])
            a = adv[sl].clamp(-5, 5)
            loss = torch.max(-a * ratio, -a * ratio.clamp(1 - 1e-4, 1 + 1e-4)).mean()
            loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step(); opt.zero_grad()
    t_train = time.perf_counter() - t1; c_train = time.process_time() - c1
    return t_sample, t_train, c_sample, c_train

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--steps', type=int, default=20)
    ap.add_argument('--train-bs', type=int, default=16)
    ap.add_argument('--epochs', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    m = TinyUNet()
    params = sum(p.numel() for p in m.parameters())
    fl = conv_flops(m)
    opt = torch.optim.Adam(m.parameters(), lr=1e-5)
    gen = torch.Generator().manual_seed(0)
    ddpo_epoch(m, opt, 4, 2, 4, gen=gen)  # warm-up
    res = [ddpo_epoch(m, opt, a.batch, a.steps, a.train_bs, gen=gen) for _ in range(a.epochs)]
    ts = sorted(r[0] for r in res)[len(res) // 2]; tt = sorted(r[1] for r in res)[len(res) // 2]
    cs = sorted(r[2] for r in res)[len(res) // 2]; ct = sorted(r[3] for r in res)[len(res) // 2]
    n_fwd = a.batch * a.steps
    out = dict(torch=torch.__version__, blas=loaded_blas(), threads=a.threads, params=params, fwd_flops_per_image=fl,
               batch=a.batch, steps=a.steps, sample_s=ts, train_s=tt, epoch_s=ts + tt,
               sample_cpu_s=cs, train_cpu_s=ct, epoch_cpu_s=cs + ct,
               sample_images_per_s=a.batch / ts,
               sample_gflops=n_fwd * fl / ts / 1e9, train_gflops=3 * n_fwd * fl / tt / 1e9)
    print(json.dumps(out))
