"""PyTorch side of the training-throughput comparison: the same GPT as Quill, trained the same way.

Run from the repository root:
    /usr/bin/python3 tools/reference/train_reference.py --config baby --steps 150 --warmup 30
    /usr/bin/python3 tools/reference/train_reference.py --config 6x384 --steps 8 --warmup 2

The model is tools/reference/gpt_reference.py's (nanoGPT's architecture, torch's own layers). Settings are
nanoGPT's: char-level tiny Shakespeare (data/tinyshakespeare.txt), first 90% of the tokens train; baby = 4 layers,
4 heads, 128 wide, block 64, batch 12, dropout 0, bias False; 6x384 = 6x6x384, block 256, batch 64, dropout 0.2;
both AdamW (torch.optim.AdamW, decay 0.1 on tensors with dim >= 2 only, betas (0.9, 0.99), eps 1e-8), lr 1e-3 with
nanoGPT's warmup (100) + cosine decay to 1e-4, grad clip 1.0. Each step is timed whole: get_batch (random
windows, as nanoGPT), forward, loss.item(), backward, clip, step, zero_grad. Threads: torch's default, printed.
The last line is parseable:
    RESULT impl=pytorch config=baby steps=.. warmup=.. ms_per_step=.. tokens_per_s=.. threads=..
"""
import argparse
import math
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt_reference  # noqa: E402
from gpt_reference import Gpt, config  # noqa: E402

CONFIGS = {
    "baby": dict(batch=12, block=64, n_layer=4, n_head=4, n_embd=128, dropout=0.0, lr_decay_iters=2000),
    "6x384": dict(batch=64, block=256, n_layer=6, n_head=6, n_embd=384, dropout=0.2, lr_decay_iters=5000),
    # GPT-2 small's shape (random weights, GPT-2's 50,257-token vocabulary; the characters' ids are a subset):
    # a speed reference for one training step, batch set with --batch
    "gpt2": dict(batch=1, block=1024, n_layer=12, n_head=12, n_embd=768, dropout=0.0, lr_decay_iters=5000,
                 vocab=50257, bias=True),
}
LR, MIN_LR, WARMUP, WD, BETAS, EPS, CLIP = 1e-3, 1e-4, 100, 0.1, (0.9, 0.99), 1e-8, 1.0


def get_lr(it, decay_iters):
    """nanoGPT's schedule: linear warmup, then cosine from LR to MIN_LR at decay_iters."""
    if it < WARMUP:
        return LR * (it + 1) / (WARMUP + 1)
    if it > decay_iters:
        return MIN_LR
    ratio = (it - WARMUP) / (decay_iters - WARMUP)
    return MIN_LR + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (LR - MIN_LR)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="baby", choices=sorted(CONFIGS))
    ap.add_argument("--steps", type=int, default=150, help="timed steps after warm-up")
    ap.add_argument("--warmup", type=int, default=30, help="untimed steps first")
    ap.add_argument("--data", default=os.path.join("data", "tinyshakespeare.txt"))
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--attention", choices=["sdpa", "manual"], default="sdpa",
                    help="sdpa: F.scaled_dot_product_attention(is_causal=True) where torch has it (PyTorch 2), as "
                         "nanoGPT does; manual: softmax(q k^T / sqrt(hs)) v written out")
    ap.add_argument("--batch", type=int, help="sequences per step (default: the config's)")
    ap.add_argument("--accum", type=int, default=1, help="micro-batches per step, each batch / accum sequences, each "
                    "loss scaled by 1 / accum (nanoGPT's gradient_accumulation_steps); the same tokens per step")
    ap.add_argument("--eval-interval", type=int, default=0, help="every this many steps (and at the last), "
                    "estimate train and val loss over --eval-iters batches each and save DIR/ckpt.pt when --out is "
                    "given, as nanoGPT's train.py does (0 = never)")
    ap.add_argument("--eval-iters", type=int, default=20)
    ap.add_argument("--out", metavar="DIR", help="where --eval-interval saves ckpt.pt (model, optimizer, step)")
    ap.add_argument("--save", metavar="DIR", help="write the final weights as DIR/model.safetensors (nanoGPT names) "
                    "with a Quill config.json, so `quill evaluate` can score the PyTorch model")
    args = ap.parse_args()
    c = dict(CONFIGS[args.config])
    if args.batch:
        c["batch"] = args.batch

    gpt_reference.SDPA = args.attention == "sdpa"
    sdpa = gpt_reference.SDPA and hasattr(torch.nn.functional, "scaled_dot_product_attention")
    print(f"torch {torch.__version__}, attention {'sdpa' if sdpa else 'manual'}, threads {torch.get_num_threads()} (default), "
          f"interop {torch.get_num_interop_threads()}", flush=True)
    with open(args.data, encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    data = torch.tensor([stoi[ch] for ch in text], dtype=torch.int64)
    train = data[: int(len(data) * 0.9)]                                   # nanoGPT: n = len(data); train = data[:int(n*0.9)]
    val = data[int(len(data) * 0.9):]

    torch.manual_seed(args.seed)
    cfg = config(vocab_size=c.get("vocab", len(chars)), block_size=c["block"], n_layer=c["n_layer"],
                 n_head=c["n_head"], n_embd=c["n_embd"], dropout=c["dropout"], bias=c.get("bias", False))
    model = Gpt(cfg)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": WD}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=LR, betas=BETAS, eps=EPS)
    n_params = sum(p.numel() for p in params) - model.transformer.wpe.weight.numel()
    B, T = c["batch"], c["block"]
    if args.accum < 1 or B % args.accum:
        ap.error(f"--accum {args.accum} must divide the batch size {B}")
    micro = B // args.accum
    flops_per_token = 6 * n_params + 12 * c["n_layer"] * c["n_embd"] * T
    print(f"config {args.config}: {cfg}; batch {B} as {args.accum} x {micro}; params {n_params} without positions; "
          f"model FLOPs/token {flops_per_token}", flush=True)

    def get_batch(split=None):
        src = train if split is None else split
        ix = torch.randint(len(src) - T, (micro,))
        x = torch.stack([src[i:i + T] for i in ix])
        y = torch.stack([src[i + 1:i + 1 + T] for i in ix])
        return x, y

    @torch.no_grad()
    def evaluate_and_save(step):
        """nanoGPT's estimate_loss (eval mode, --eval-iters batches of each split), then its checkpoint."""
        model.eval()
        losses = {}
        for name, split in (("train", train), ("val", val)):
            losses[name] = sum(model(*get_batch(split))[1].item() for _ in range(args.eval_iters)) / args.eval_iters
        model.train()
        print(f"step {step}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}", flush=True)
        if args.out:
            os.makedirs(args.out, exist_ok=True)
            torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "iter_num": step,
                        "best_val_loss": losses["val"]}, os.path.join(args.out, "ckpt.pt"))

    times, cpu = [], []
    all_ms = 0.0  # every step, warm-up included: what a short run pays
    total = args.warmup + args.steps
    for it in range(total):
        t0, c0 = time.perf_counter(), time.process_time()
        lr = get_lr(it, c["lr_decay_iters"])
        for g in opt.param_groups:
            g["lr"] = lr
        loss_value = 0.0
        for _ in range(args.accum):
            x, y = get_batch()
            _, loss = model(x, y)
            loss = loss / args.accum if args.accum > 1 else loss
            loss_value += loss.item()
            loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        opt.step()
        opt.zero_grad(set_to_none=True)
        ms = (time.perf_counter() - t0) * 1e3
        all_ms += ms
        if it >= args.warmup:
            times.append(ms)
            cpu.append((time.process_time() - c0) * 1e3)
        if args.eval_interval and ((it + 1) % args.eval_interval == 0 or it + 1 == total):
            evaluate_and_save(it + 1)                  # outside the step's time, as Quill's metrics keep it
        if (it + 1) % args.log_every == 0 or it == 0 or it + 1 == total:
            print(f"step {it + 1}: loss {loss_value:.4f}, {ms:.1f} ms{' (warm-up)' if it < args.warmup else ''}",
                  flush=True)
    if args.save:
        import json
        from st_writer import write
        os.makedirs(args.save, exist_ok=True)
        # named_parameters lists a tied weight once (as transformer.wte.weight), as Quill's checkpoints do
        write(os.path.join(args.save, "model.safetensors"),
              {name: p.detach().contiguous() for name, p in model.named_parameters()}, {"format": "pt"})
        quill_cfg = dict(format_version=1, vocab_size=len(chars), block_size=T, n_layer=c["n_layer"], n_head=c["n_head"],
                         n_embd=c["n_embd"], dropout=c["dropout"], bias=False, norm="layernorm", norm_eps=1e-5,
                         positions="learned", tie_embeddings=True, activation="gelu", mlp_ratio=4)
        with open(os.path.join(args.save, "config.json"), "w") as f:
            json.dump(quill_cfg, f, indent=2)
        with open(os.path.join(args.save, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump({"type": "char", "version": 1, "normalize_nfc": False, "special_tokens": [], "unknown": "error",
                       "vocab": chars}, f, ensure_ascii=False)
        print(f"saved {args.save}", flush=True)
    med = statistics.median(times)
    tps = B * T / (med / 1e3)
    q = sorted(times)
    print(f"ms/step over {len(times)} steps after {args.warmup} warm-up: median {med:.2f}, "
          f"mean {statistics.fmean(times):.2f}, p10 {q[len(q) // 10]:.2f}, p90 {q[(9 * len(q)) // 10]:.2f}, min {q[0]:.2f}")
    print(f"ms/step over all {total} steps, warm-up included: mean {all_ms / total:.2f}")
    print(f"process CPU ms/step: median {statistics.median(cpu):.2f}")
    print(f"RESULT impl=pytorch config={args.config} accum={args.accum} steps={len(times)} warmup={args.warmup} ms_per_step={med:.2f} "
          f"tokens_per_s={tps:.1f} all_ms_per_step={all_ms / total:.2f} achieved_gflops={tps * flops_per_token / 1e9:.2f} cpu_ms_per_step={statistics.median(cpu):.2f} threads={torch.get_num_threads()}",
          flush=True)


if __name__ == "__main__":
    main()
