"""PyTorch side of the generation-speed comparison: nanoGPT's generate, without a KV cache.

Run from the repository root:
    /usr/bin/python3 tools/reference/generate_reference.py --tokens 500 --repeats 10

The model is tools/reference/gpt_reference.py's on the baby shape (4 layers, 4 heads, 128 wide, block 64,
bias False, dropout 0), vocab = tiny Shakespeare's characters (65), random weights from a fixed seed: speed does
not depend on them. The loop is nanoGPT's GPT.generate, batch 1, from the prompt "\\n":
    idx_cond = idx[:, -block_size:]           crop to the last block_size tokens
    logits = model(idx_cond)[:, -1, :] / T    one full forward per token (nanoGPT's inference path: lm_head on
                                              the last position only); temperature T = 1.0, no top-k by default
    probs = softmax(logits); idx = cat(idx, multinomial(probs, 1))
under torch.no_grad() and model.eval(). Each repeat times the whole call (N forwards and draws); the figure is
the best of R repeats after a short warm-up. Threads: torch's default, printed. The last line is parseable:
    RESULT impl=pytorch mode=nocache tokens=.. tokens_per_s=.. ms_per_token=.. cpu_ms_per_token=.. threads=..
"""
import argparse
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt_reference import Gpt, config  # noqa: E402

BABY = dict(block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=0.0, bias=False)


@torch.no_grad()
def generate(model, idx, max_new_tokens, temperature=1.0, top_k=None):
    """nanoGPT's GPT.generate: idx (B, t) of ids -> (B, t + max_new_tokens); no cache, a full forward per token."""
    block = model.cfg["block_size"]
    for _ in range(max_new_tokens):
        idx_cond = idx if idx.size(1) <= block else idx[:, -block:]           # (B, <= block)
        logits, _ = model(idx_cond)                                           # (B, 1, V)
        logits = logits[:, -1, :] / temperature                               # (B, V)
        if top_k is not None:
            v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
            logits[logits < v[:, [-1]]] = -float("inf")
        probs = F.softmax(logits, dim=-1)                                     # (B, V)
        idx_next = torch.multinomial(probs, num_samples=1)                    # (B, 1)
        idx = torch.cat((idx, idx_next), dim=1)                               # (B, t + 1)
    return idx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=500, help="new tokens per timed call")
    ap.add_argument("--repeats", type=int, default=10, help="timed calls; the best one counts")
    ap.add_argument("--warmup", type=int, default=50, help="new tokens of one untimed call first")
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--top-k", type=int, default=None, help="nanoGPT's top_k (sample.py uses 200; >= 65 keeps all)")
    ap.add_argument("--data", default=os.path.join("data", "tinyshakespeare.txt"))
    ap.add_argument("--seed", type=int, default=1337)
    args = ap.parse_args()

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()} (default), "
          f"interop {torch.get_num_interop_threads()}", flush=True)
    with open(args.data, encoding="utf-8") as f:
        chars = sorted(set(f.read()))                                        # the char tokenizer's vocabulary
    stoi = {ch: i for i, ch in enumerate(chars)}

    torch.manual_seed(args.seed)
    cfg = config(vocab_size=len(chars), **BABY)
    model = Gpt(cfg)
    model.eval()
    prompt = torch.tensor([[stoi["\n"]]], dtype=torch.int64)                  # (1, 1)
    print(f"baby shape: {cfg}; {sum(p.numel() for p in model.parameters())} parameters; batch 1, prompt '\\n', "
          f"{args.tokens} new tokens, temperature {args.temperature}, top_k {args.top_k}, best of {args.repeats} "
          f"after {args.warmup} warm-up tokens", flush=True)

    generate(model, prompt, args.warmup, args.temperature, args.top_k)
    best_s, best_cpu = float("inf"), float("inf")
    for r in range(args.repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = generate(model, prompt, args.tokens, args.temperature, args.top_k)
        s, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert out.size(1) == 1 + args.tokens
        print(f"repeat {r + 1}: {s:.3f} s, {args.tokens / s:.1f} tokens/s, process CPU {cpu:.3f} s", flush=True)
        best_s, best_cpu = min(best_s, s), min(best_cpu, cpu)
    n = args.tokens
    print(f"RESULT impl=pytorch mode=nocache tokens={n} tokens_per_s={n / best_s:.1f} ms_per_token={best_s / n * 1e3:.3f} "
          f"cpu_ms_per_token={best_cpu / n * 1e3:.3f} threads={torch.get_num_threads()}", flush=True)


if __name__ == "__main__":
    main()
