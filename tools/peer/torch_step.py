"""One DDPO training step of the PyTorch peer (tiny-unet-32, tools/peer/torch_tiny_unet.py), timed as
it is and with every GroupNorm and SiLU replaced by the identity: `npm run bench -- --ablate --peer`.

The step is the peer's own inner step of `ddpo_epoch` (forward at one timestep, the DDIM log-prob of
the given next sample, the clipped PPO loss, backward), without the optimizer, like our training
graph. Full and ablated steps alternate, `--rounds` rounds of 2 warm-up and 8 timed steps each;
prints one JSON line with the medians in milliseconds.
"""
import argparse, json, statistics, time
import torch, torch.nn as nn
import torch.nn.functional as F
import torch_tiny_unet as peer

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--train-bs', type=int, default=16)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--rounds', type=int, default=4)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = peer.TinyUNet()
    B, steps = a.train_bs, 20
    ac = peer.schedule()
    t = 501  # a timestep of the 20-step DDIM schedule
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(B, 3, 32, 32, generator=gen)
    prev = torch.randn(B, 3, 32, 32, generator=gen)
    y = torch.randint(0, peer.P, (B,), generator=gen)
    adv = torch.randn(B, generator=gen).clamp(-5, 5)
    old_lp = torch.full((B,), -1.0)
    tt = torch.full((B,), float(t)); ti = torch.full((B,), t)
    silu, group_norm_forward = F.silu, nn.GroupNorm.forward

    def step():
        eps = model(x, tt, y)
        _, lp = peer.ddim_step(ac, eps, ti, ti - 1000 // steps, x, 1.0, prev=prev)
        ratio = torch.exp(lp - old_lp)
        loss = torch.max(-adv * ratio, -adv * ratio.clamp(1 - 1e-4, 1 + 1e-4)).mean()
        loss.backward()
        model.zero_grad(set_to_none=True)

    def ablated(on):
        # The peer calls F.silu and nn.GroupNorm modules; both become the identity while `on`.
        F.silu = (lambda v: v) if on else silu
        nn.GroupNorm.forward = (lambda self, v: v) if on else group_norm_forward

    times = {False: [], True: []}
    for _ in range(a.rounds):
        for on in (False, True):
            ablated(on)
            for _ in range(2): step()
            ts = []
            for _ in range(8):
                t0 = time.perf_counter(); step(); ts.append(time.perf_counter() - t0)
            times[on].append(sorted(ts)[len(ts) // 2] * 1e3)
    ablated(False)
    print(json.dumps(dict(torch=torch.__version__, threads=a.threads, batch=B, full_ms=statistics.median(times[False]), ablated_ms=statistics.median(times[True]),
                          rounds_full_ms=times[False], rounds_ablated_ms=times[True])))

if __name__ == '__main__':
    main()
