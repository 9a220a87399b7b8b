"""Greedy decode speed of one sequence in PyTorch 2, for bench/compare-decode.sh.

  python tools/reference/decode_reference.py --model HF_GPT2_DIR [--prompt-tokens 32] [--tokens 256]
      [--repeats 3] [--threads 2] [--impls loop,hf] [--refill 0]

Two implementations over the same Hugging Face GPT-2 directory (weights as save_pretrained writes them):
  hf    transformers' GPT2LMHeadModel.generate(use_cache=True, do_sample=False), min_new_tokens = max_new_tokens
        so no end-of-text token stops it early;
  loop  a plain PyTorch 2 loop written here: GPT-2's forward from torch functions (F.layer_norm,
        F.scaled_dot_product_attention, F.gelu) with a preallocated KV cache (n_layer, nh, block_size, hs)
        and argmax each step. When the cache is full and one more token comes, it is cleared and the last
        `refill` tokens of the context (default block_size // 2) are fed again at positions 0.., as Quill's
        default generation does, so a run longer than block_size costs the same work on both sides.
The prompt is the ids (i * 997 + 13) mod vocab_size, as in Quill's DecodeThroughput. Each call is timed whole
(prompt included), best of --repeats after one warm-up call; decode_tokens_per_s = (N - 1) / (t(N) - t(1)).
Prints one line per implementation:
  RESULT impl=loop threads=2 tokens=256 tokens_per_s=.. decode_tokens_per_s=.. prompt_s=..
and TOKENS impl=.. ids=.. (the generated ids, to compare implementations).
"""
import argparse
import json
import os
import time

import torch
import torch.nn.functional as F
from safetensors.torch import load_file


class CachedGpt2:
    """GPT-2 from its Hugging Face tensors (Conv1D weights are (in, out): y = x W + b)."""

    def __init__(self, model_dir):
        with open(os.path.join(model_dir, "config.json")) as f:
            cfg = json.load(f)
        sd = load_file(os.path.join(model_dir, "model.safetensors"))
        sd = {k[len("transformer."):] if k.startswith("transformer.") else k: v.float().contiguous() for k, v in sd.items()}
        self.sd = sd
        self.n_layer, self.nh, self.c = cfg["n_layer"], cfg["n_head"], cfg["n_embd"]
        self.hs = self.c // self.nh
        self.block = cfg["n_positions"]
        self.vocab = cfg["vocab_size"]
        self.eps = cfg.get("layer_norm_epsilon", 1e-5)
        act = cfg.get("activation_function", "gelu_new")
        self.gelu_approx = "none" if act == "gelu" else "tanh"
        self.head = sd["lm_head.weight"] if "lm_head.weight" in sd else sd["wte.weight"]   # (V, C)
        self.k = torch.zeros(self.n_layer, 1, self.nh, self.block, self.hs)
        self.v = torch.zeros(self.n_layer, 1, self.nh, self.block, self.hs)

    def _lin(self, x, name):
        y = x @ self.sd[name + ".weight"]
        b = self.sd.get(name + ".bias")
        return y if b is None else y + b

    def _ln(self, x, name):
        return F.layer_norm(x, (self.c,), self.sd[name + ".weight"], self.sd.get(name + ".bias"), self.eps)

    def forward(self, ids, pos):
        """Logits (V) after new ids (t) at positions pos..pos+t-1; fills the cache there."""
        t = ids.shape[0]
        assert t == 1 or pos == 0, "several new positions only from an empty cache (the causal mask is top-left)"
        x = self.sd["wte.weight"][ids] + self.sd["wpe.weight"][pos:pos + t]             # (t, C)
        x = x.unsqueeze(0)                                                              # (1, t, C)
        for l in range(self.n_layer):
            h = f"h.{l}."
            q, k, v = self._lin(self._ln(x, h + "ln_1"), h + "attn.c_attn").split(self.c, dim=2)
            q, k, v = (a.view(1, t, self.nh, self.hs).transpose(1, 2) for a in (q, k, v))   # (1, nh, t, hs)
            self.k[l, :, :, pos:pos + t] = k
            self.v[l, :, :, pos:pos + t] = v
            y = F.scaled_dot_product_attention(q, self.k[l, :, :, :pos + t], self.v[l, :, :, :pos + t], is_causal=t > 1)
            x = x + self._lin(y.transpose(1, 2).reshape(1, t, self.c), h + "attn.c_proj")
            m = F.gelu(self._lin(self._ln(x, h + "ln_2"), h + "mlp.c_fc"), approximate=self.gelu_approx)
            x = x + self._lin(m, h + "mlp.c_proj")
        x = self._ln(x[:, -1], "ln_f")                                                  # (1, C)
        return (x @ self.head.T)[0]                                                     # (V)

    def generate(self, prompt, n, refill):
        ctx = list(prompt)
        logits = self.forward(torch.tensor(ctx), 0)
        pos = len(ctx)
        out = []
        for step in range(n):
            nxt = int(torch.argmax(logits))
            out.append(nxt)
            ctx.append(nxt)
            if step == n - 1:
                break
            if pos < self.block:
                logits = self.forward(torch.tensor([nxt]), pos)
                pos += 1
            else:                                                                       # slide: refill from 0
                logits = self.forward(torch.tensor(ctx[-refill:]), 0)
                pos = refill
        return out


def best(fn, repeats):
    b = float("inf")
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        b = min(b, time.perf_counter() - t0)
    return b, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--prompt-tokens", type=int, default=32)
    ap.add_argument("--tokens", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--impls", default="loop,hf")
    ap.add_argument("--refill", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    loop = CachedGpt2(a.model)
    prompt = [(i * 997 + 13) % loop.vocab for i in range(a.prompt_tokens)]
    refill = a.refill or max(1, loop.block // 2)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; prompt {len(prompt)} ids, {a.tokens} new tokens greedy, best of {a.repeats}")
    for impl in a.impls.split(","):
        if impl == "loop":
            def run(n):
                return loop.generate(prompt, n, refill)
        elif impl == "hf":
            from transformers import GPT2LMHeadModel
            hf = GPT2LMHeadModel.from_pretrained(a.model, torch_dtype=torch.float32).eval()
            ids = torch.tensor([prompt])
            mask = torch.ones_like(ids)

            def run(n):
                g = hf.generate(ids, attention_mask=mask, max_new_tokens=n, min_new_tokens=n, do_sample=False,
                                use_cache=True, pad_token_id=hf.config.eos_token_id)
                return g[0, len(prompt):].tolist()
        else:
            raise SystemExit(f"unknown impl {impl} (loop, hf)")
        with torch.inference_mode():
            run(a.tokens)                                                               # warm-up
            first, _ = best(lambda: run(1), a.repeats)
            whole, out = best(lambda: run(a.tokens), a.repeats)
        assert len(out) == a.tokens, (impl, len(out))
        decode = (a.tokens - 1) / (whole - first)
        load = open("/proc/loadavg").read().split()[0]
        print(f"RESULT impl={impl} threads={a.threads} tokens={a.tokens} tokens_per_s={a.tokens / whole:.2f} "
              f"decode_tokens_per_s={decode:.2f} prompt_s={first:.3f} load={load}", flush=True)
        print(f"TOKENS impl={impl} ids={','.join(map(str, out))}", flush=True)


if __name__ == "__main__":
    main()
