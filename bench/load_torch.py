"""transformers twin of bench/load_child.ts: one from_pretrained in a fresh process.

Usage: python bench/load_torch.py DIR DTYPE [--touch] -> one JSON line (load time, RSS before, peak RSS).
"""
import json, resource, sys, time
import torch
from transformers import AutoModelForCausalLM


def rss_bytes():
    with open('/proc/self/status') as f:
        return next(int(l.split()[1]) * 1024 for l in f if l.startswith('VmRSS:'))


directory, dtype = sys.argv[1], sys.argv[2]
rss_before = rss_bytes()
start = time.perf_counter()
model = AutoModelForCausalLM.from_pretrained(directory, dtype=getattr(torch, dtype))
load_seconds = time.perf_counter() - start
rss_after = rss_bytes()
peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
touch_seconds = None
if '--touch' in sys.argv:
    t = time.perf_counter()
    with torch.no_grad():
        for p in model.parameters():
            p.sum().item()
    touch_seconds = time.perf_counter() - t
print(json.dumps({'side': 'transformers', 'dtype': dtype, 'loadSeconds': load_seconds, 'touchSeconds': touch_seconds,
                  'rssBefore': rss_before, 'rssAfterLoad': rss_after, 'peakAfterLoad': peak_after,
                  'peakRss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
