"""PyTorch reference for Quill's GPT: golden tensors for the Java parity tests.

Run from the repository root:  /usr/bin/python3 tools/reference/gpt_reference.py
Writes src/test/resources/reference/*.safetensors and src/test/resources/reference/eval/.

The model is nanoGPT's architecture with Quill's options (norm, positions, tying, activation), built from
torch's own layers and functions so that it shares no code, and no mistakes, with the Java side.
Shapes: B batch, T time, C channels, nh heads, hs head size, V vocab.
"""
import json
import math
import os
import random
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_writer  # noqa: E402

OUT = os.path.join("src", "test", "resources", "reference")

CONFIG_KEYS = ["vocab_size", "block_size", "n_layer", "n_head", "n_embd", "dropout", "bias", "norm",
               "norm_eps", "positions", "tie_embeddings", "activation", "mlp_ratio"]

ADAMW = {"lr": 3e-3, "betas": [0.9, 0.99], "eps": 1e-8, "weight_decay": 0.1, "grad_clip": 1.0, "steps": 10,
         "decay": "parameters with dim >= 2 get weight_decay, the others 0.0",
         "clip": "torch.nn.utils.clip_grad_norm_: total = L2 norm of all grads; grads *= min(1, clip/(total+1e-6))",
         "update": "torch 1.13 AdamW (foreach=False): p *= 1 - lr*wd; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;"
                   " p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)",
         "losses": "adamw.losses[k] is the loss before update k", "grad_norms": "total norm before clipping"}


def config(**kw):
    c = dict(dropout=0.0, bias=True, norm="layernorm", norm_eps=1e-5, positions="learned",
             tie_embeddings=True, activation="gelu", mlp_ratio=4)
    c.update(kw)
    assert sorted(c) == sorted(CONFIG_KEYS), c
    return {k: c[k] for k in CONFIG_KEYS}


def sinusoidal(T, C):
    """pe[p, 2i] = sin(p / 10000^(2i/C)), pe[p, 2i+1] = cos(...); computed in float64, rounded to float32."""
    p = torch.arange(T, dtype=torch.float64)[:, None]                       # (T, 1)
    two_i = torch.arange(0, C, 2, dtype=torch.float64)[None, :]             # (1, C/2)
    angle = p / torch.pow(10000.0, two_i / C)                               # (T, C/2)
    pe = torch.zeros(T, C, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle)
    return pe.float()


class Norm(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        C = cfg["n_embd"]
        self.kind, self.eps = cfg["norm"], cfg["norm_eps"]
        self.weight = nn.Parameter(torch.ones(C))
        self.bias = nn.Parameter(torch.zeros(C)) if cfg["bias"] else None

    def forward(self, x):
        if self.kind == "layernorm":
            return F.layer_norm(x, (x.size(-1),), self.weight, self.bias, self.eps)
        y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight
        return y + self.bias if self.bias is not None else y


# Speed comparisons set this (train_reference.py --attention sdpa); the golden fixtures keep the explicit softmax,
# whose every step is an op Quill's own attention is checked against.
SDPA = False


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        C = cfg["n_embd"]
        self.n_head = cfg["n_head"]
        self.c_attn = nn.Linear(C, 3 * C, bias=cfg["bias"])
        self.c_proj = nn.Linear(C, C, bias=cfg["bias"])
        self.attn_dropout = nn.Dropout(cfg["dropout"])
        self.resid_dropout = nn.Dropout(cfg["dropout"])
        T = cfg["block_size"]
        self.register_buffer("mask", torch.tril(torch.ones(T, T, dtype=torch.bool)), persistent=False)

    def forward(self, x):
        B, T, C = x.size()
        nh, hs = self.n_head, C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)                            # 3 x (B, T, C)
        q = q.view(B, T, nh, hs).transpose(1, 2)                            # (B, nh, T, hs)
        k = k.view(B, T, nh, hs).transpose(1, 2)                            # (B, nh, T, hs)
        v = v.view(B, T, nh, hs).transpose(1, 2)                            # (B, nh, T, hs)
        if SDPA and hasattr(F, "scaled_dot_product_attention"):            # PyTorch 2's fused kernel, as nanoGPT uses it
            p = self.attn_dropout.p if self.training else 0.0
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True)   # (B, nh, T, hs)
        else:
            att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)                 # (B, nh, T, T)
            att = att.masked_fill(~self.mask[:T, :T], float("-inf"))
            att = self.attn_dropout(F.softmax(att, dim=-1))
            y = att @ v                                                     # (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)                    # (B, T, C)
        return self.resid_dropout(self.c_proj(y))


class Mlp(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        C, r = cfg["n_embd"], cfg["mlp_ratio"]
        self.c_fc = nn.Linear(C, r * C, bias=cfg["bias"])
        self.c_proj = nn.Linear(r * C, C, bias=cfg["bias"])
        self.approximate = {"gelu": "none", "gelu_tanh": "tanh"}[cfg["activation"]]
        self.dropout = nn.Dropout(cfg["dropout"])

    def forward(self, x):
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x), approximate=self.approximate)))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln_1 = Norm(cfg)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = Norm(cfg)
        self.mlp = Mlp(cfg)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Gpt(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        V, T, C = cfg["vocab_size"], cfg["block_size"], cfg["n_embd"]
        assert C % cfg["n_head"] == 0 and C % 2 == 0
        parts = dict(wte=nn.Embedding(V, C))
        if cfg["positions"] == "learned":
            parts["wpe"] = nn.Embedding(T, C)
        parts.update(drop=nn.Dropout(cfg["dropout"]), h=nn.ModuleList([Block(cfg) for _ in range(cfg["n_layer"])]),
                     ln_f=Norm(cfg))
        self.transformer = nn.ModuleDict(parts)
        if cfg["positions"] == "sinusoidal":
            self.register_buffer("pe", sinusoidal(T, C), persistent=False)  # (T, C), not trained
        self.lm_head = nn.Linear(C, V, bias=False)
        if cfg["tie_embeddings"]:
            self.lm_head.weight = self.transformer.wte.weight                # one parameter, two uses
        self.apply(self._init)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * cfg["n_layer"]))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)

    def forward(self, idx, targets=None):
        """Training (targets given): logits (B, T, V) and the mean loss. Inference (targets None), as nanoGPT:
        logits of the last position only, (B, 1, V), and no loss."""
        B, T = idx.size()
        x = self.transformer.wte(idx)                                       # (B, T, C)
        if self.cfg["positions"] == "learned":
            x = x + self.transformer.wpe(torch.arange(T))                   # (T, C) broadcast
        else:
            x = x + self.pe[:T]
        x = self.transformer.drop(x)
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)                                        # (B, T, C)
        if targets is None:
            return self.lm_head(x[:, [-1], :]), None                        # (B, 1, V)
        logits = self.lm_head(x)                                            # (B, T, V)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-1)
        return logits, loss


def perturb(model):
    """Fixtures only: norm gains 1 + 0.1*randn, biases 0.1*randn, so gain and bias gradients matter."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".ln_" in name or name.startswith("transformer.ln_f"):
                if name.endswith(".weight"):
                    p.copy_(1.0 + 0.1 * torch.randn_like(p))
            if name.endswith(".bias"):
                p.copy_(0.1 * torch.randn_like(p))


def adamw(model):
    params = dict(model.named_parameters())
    decay = [p for p in params.values() if p.dim() >= 2]
    no_decay = [p for p in params.values() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": ADAMW["weight_decay"]},
                              {"params": no_decay, "weight_decay": 0.0}],
                             lr=ADAMW["lr"], betas=tuple(ADAMW["betas"]), eps=ADAMW["eps"], foreach=False)


def fixture(filename, cfg, seed, B=3, ignored=()):
    torch.manual_seed(seed)
    model = Gpt(cfg)
    perturb(model)
    V, T = cfg["vocab_size"], cfg["block_size"]
    data = torch.randint(0, V, (B, T + 1), dtype=torch.int64)
    idx, targets = data[:, :T].clone(), data[:, 1:].clone()                 # (B, T) each
    for b, t in ignored:
        targets[b, t] = -1
    out = {name: p.detach().clone() for name, p in model.named_parameters()}
    out["input.idx"], out["input.targets"] = idx, targets

    logits, loss = model(idx, targets)
    loss.backward()
    out["output.logits"], out["output.loss"] = logits.detach(), loss.detach()
    for name, p in model.named_parameters():
        out["grad." + name] = p.grad.detach().clone()

    model.zero_grad(set_to_none=True)
    opt = adamw(model)
    losses, norms = [], []
    for _ in range(ADAMW["steps"]):
        opt.zero_grad(set_to_none=True)
        _, loss = model(idx, targets)
        loss.backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), ADAMW["grad_clip"]).item())
        losses.append(loss.item())
        opt.step()
    out["adamw.losses"] = torch.tensor(losses, dtype=torch.float32)
    out["adamw.grad_norms"] = torch.tensor(norms, dtype=torch.float32)
    for name, p in model.named_parameters():
        out["adamw.final." + name] = p.detach().clone()

    meta = {"config": json.dumps(cfg), "adamw": json.dumps(ADAMW), "seed": str(seed),
            "batch": json.dumps({"B": B, "T": T}), "torch_version": torch.__version__,
            "generator": "tools/reference/gpt_reference.py"}
    path = os.path.join(OUT, filename)
    st_writer.write(path, out, metadata=meta)
    print(f"{path}: {len(out)} tensors, {os.path.getsize(path)} bytes, losses {losses[0]:.6f} -> {losses[-1]:.6f}")


# ---------------------------------------------------------------------------------------------------
# Evaluation fixture: a generated text, a briefly trained char model, and the expected losses.

WORDS = ("the a small quiet river runs past old stone houses where children play and birds sing at dawn "
         "every morning baker opens his shop bread smells warm sweet while cats sleep on window ledges "
         "winter comes slowly snow covers fields roads travellers rest by fire tell stories about distant "
         "mountains ships storms lanterns gardens letters friends clocks maps").split()


def generate_text(seed=20240601, n_chars=4000):
    """Deterministic English-like text from a fixed word list (no real text copied)."""
    rng = random.Random(seed)
    lines, line, total = [], [], 0
    while total < n_chars:
        words = [rng.choice(WORDS) for _ in range(rng.randint(4, 11))]
        if rng.random() < 0.15:
            words.insert(rng.randint(1, len(words) - 1), "caf\u00e9")     # one non-ASCII (BMP) character
        s = " ".join(words)
        s = s[0].upper() + s[1:] + rng.choice([".", ".", ".", "?", "!", ";"])
        line.append(s)
        total += len(s) + 1
        if rng.random() < 0.3:
            lines.append(" ".join(line))
            line = []
    lines.append(" ".join(line))
    return "\n".join(lines) + "\n"


def windows(tokens, T):
    """Consecutive windows of T+1 tokens with stride T; the last incomplete one is dropped."""
    n = (len(tokens) - 1) // T if len(tokens) > T else 0
    return torch.stack([tokens[k * T: k * T + T + 1] for k in range(n)]) if n else torch.zeros(0, T + 1,
                                                                                               dtype=torch.int64)


def mean_loss(model, tokens, T):
    w = windows(tokens, T)                                                  # (W, T+1)
    total = 0.0                                                             # float64 accumulator
    with torch.no_grad():
        for i in range(0, w.size(0), 32):
            x, y = w[i:i + 32, :T], w[i:i + 32, 1:]                         # (b, T) each
            logits, _ = model(x, y)
            per_token = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1), reduction="none")
            total += per_token.double().sum().item()
    count = w.size(0) * T
    loss = total / count
    return {"loss": loss, "perplexity": math.exp(loss), "tokens": count, "windows": w.size(0)}


def eval_fixture(seed=1337, train_steps=300):
    d = os.path.join(OUT, "eval")
    os.makedirs(d, exist_ok=True)
    text = generate_text()
    with open(os.path.join(d, "text.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    chars = sorted(set(text))                                               # id = rank of the code point
    ids = torch.tensor([chars.index(c) for c in text], dtype=torch.int64)
    n = len(ids)
    cut = math.floor(n * (1 - 0.1))
    splits = {"train": (0, math.floor(n * 0.9)), "val": (cut, n), "all": (0, n)}

    cfg = config(vocab_size=len(chars), block_size=16, n_layer=2, n_head=2, n_embd=32)
    torch.manual_seed(seed)
    model = Gpt(cfg)
    # A short training run on the train split, so the losses are far from log(V) and differ by split.
    opt = adamw(model)
    train = ids[:splits["train"][1]]
    T = cfg["block_size"]
    for _ in range(train_steps):
        starts = torch.randint(0, len(train) - T - 1, (16,))
        batch = torch.stack([train[s:s + T + 1] for s in starts])
        _, loss = model(batch[:, :T], batch[:, 1:])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    model.eval()

    expected = {"n_tokens": n, "vocab_size": len(chars), "block_size": T, "val_fraction": 0.1}
    for name, (begin, end) in splits.items():
        expected[name] = dict(begin=begin, end=end, **mean_loss(model, ids[begin:end], T))
    weights = {name: p.detach().clone() for name, p in model.named_parameters()}
    meta = {"config": json.dumps(cfg), "chars": json.dumps("".join(chars), ensure_ascii=False),
            "torch_version": torch.__version__, "generator": "tools/reference/gpt_reference.py"}
    st_writer.write(os.path.join(d, "model.safetensors"), weights, metadata=meta)
    with open(os.path.join(d, "expected.json"), "w", encoding="utf-8") as f:
        # json writes floats with repr(), the shortest string that round-trips the float64
        json.dump(expected, f, indent=2)
        f.write("\n")
    print(f"{d}: {n} tokens, vocab {len(chars)}, val loss {expected['val']['loss']!r}")


def main():
    torch.set_num_threads(1)  # one summation order, run to run
    os.makedirs(OUT, exist_ok=True)
    fixture("nanogpt_layernorm_learned_bias.safetensors",
            config(vocab_size=65, block_size=16, n_layer=2, n_head=2, n_embd=32), seed=1)
    fixture("rmsnorm_sinusoidal_nobias_tied.safetensors",
            config(vocab_size=65, block_size=16, n_layer=2, n_head=4, n_embd=32, bias=False, norm="rmsnorm",
                   positions="sinusoidal", activation="gelu_tanh"),
            seed=2, ignored=[(0, 0), (0, 1), (1, 7), (2, 15)])
    fixture("layernorm_untied.safetensors",
            config(vocab_size=50, block_size=8, n_layer=1, n_head=2, n_embd=16, bias=False, tie_embeddings=False),
            seed=3)
    eval_fixture()


if __name__ == "__main__":
    main()
