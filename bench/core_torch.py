"""PyTorch eager twin of bench/core.ts: the same GEMMs, tiny add and transformer block step.

Usage: python3 bench/core_torch.py THREADS  -> prints one JSON line.
"""
import json, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]))
torch.manual_seed(0)
out = {"torch": torch.__version__, "threads": torch.get_num_threads()}

# GEMM
gemm = {}
for n in (512, 1024, 2048):
    a, b = torch.randn(n, n), torch.randn(n, n)
    iters = max(3, int(2e10 / (2 * n ** 3)))
    with torch.no_grad():
        for _ in range(2): a @ b
        t = time.perf_counter()
        for _ in range(iters): a @ b
        dt = time.perf_counter() - t
    gemm[str(n)] = 2 * n ** 3 * iters / dt / 1e9
out["gemm_gflops"] = gemm

# tiny add
x, y = torch.ones(1), torch.ones(1)
with torch.no_grad():
    for _ in range(1000): x + y
    t = time.perf_counter()
    for _ in range(100000): x + y
    out["add_us"] = (time.perf_counter() - t) / 100000 * 1e6


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__(); self.weight = nn.Parameter(torch.ones(d)); self.eps = eps
    def forward(self, x):
        dt = x.dtype; x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dt)


class Block(nn.Module):
    def __init__(self, h, inter, heads, kv):
        super().__init__()
        self.h, self.heads, self.kv, self.d = h, heads, kv, h // heads
        self.n1, self.n2 = RMSNorm(h), RMSNorm(h)
        self.q = nn.Linear(h, heads * self.d); self.k = nn.Linear(h, kv * self.d); self.v = nn.Linear(h, kv * self.d)
        self.o = nn.Linear(heads * self.d, h, bias=False)
        self.gate = nn.Linear(h, inter, bias=False); self.up = nn.Linear(h, inter, bias=False)
        self.down = nn.Linear(inter, h, bias=False)
    def forward(self, x):
        B, T, _ = x.shape
        n = self.n1(x)
        q = self.q(n).view(B, T, self.heads, self.d).transpose(1, 2)
        k = self.k(n).view(B, T, self.kv, self.d).transpose(1, 2).repeat_interleave(self.heads // self.kv, 1)
        v = self.v(n).view(B, T, self.kv, self.d).transpose(1, 2).repeat_interleave(self.heads // self.kv, 1)
        if hasattr(F, "scaled_dot_product_attention"):
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:  # torch < 2.0: the same math as rlhf-ts's fallback
            s = (q @ k.transpose(-2, -1)) / (self.d ** 0.5)
            s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
            y = s.softmax(-1) @ v
        h = x + self.o(y.transpose(1, 2).reshape(B, T, self.h))
        m = self.n2(h)
        return h + self.down(F.silu(self.gate(m)) * self.up(m))


block = Block(256, 704, 8, 4)
opt = torch.optim.AdamW(block.parameters(), lr=1e-4)
x = torch.randn(8, 256, 256)
times = []
for i in range(13):
    t = time.perf_counter()
    loss = block(x).pow(2).mean()
    loss.backward()
    opt.step(); opt.zero_grad(set_to_none=True)
    times.append(time.perf_counter() - t)
times = sorted(times[3:])
out["block_step_s"] = times[len(times) // 2]
print(json.dumps(out))
