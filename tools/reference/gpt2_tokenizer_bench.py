"""Encoding throughput of tiktoken and Hugging Face tokenizers with GPT-2's vocabulary on a whole text.

Both are built from src/test/resources/gpt2/ as in gpt2_tokenizer_golden.py (no download). Prints
RESULT lines (best of N repeats, wall-clock and process CPU time, which is steadier on a shared machine):
  tiktoken          Encoding.encode(text): one call, one thread (tiktoken has no cache between calls)
  tokenizers-cold   Tokenizer.encode(text) on a fresh Tokenizer: one sequence runs on one thread
  tokenizers-warm   the same call again (its BPE word cache now holds the text's words)
  tokenizers-batch  Tokenizer.encode_batch(lines): lines in parallel on all CPUs (Rayon), cache warm
  tiktoken-batch    Encoding.encode_ordinary_batch(lines): a thread pool over lines

    /work/venv/bin/python tools/reference/gpt2_tokenizer_bench.py data/tinyshakespeare.txt [repeats]
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from gpt2_tokenizer_golden import hf_tokenizer, load_files, tiktoken_encoding  # noqa: E402


def best(fn, repeats):
    """Best wall-clock and best process CPU time (all threads) of `repeats` calls."""
    out, secs, cpu = None, float("inf"), float("inf")
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        secs = min(secs, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return out, (secs, cpu)


def report(impl, tokens, times):
    secs, cpu = times
    print(f"RESULT impl={impl} tokens={tokens} seconds={secs:.4f} tokens_per_s={tokens / secs:.0f} cpu_seconds={cpu:.4f}")


def main():
    path = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    text = open(path, encoding="utf-8").read()
    lines = text.splitlines(keepends=True)
    encoder, merges = load_files()
    tk = tiktoken_encoding(encoder)
    ids, secs = best(lambda: tk.encode_ordinary(text), repeats)
    report("tiktoken", len(ids), secs)
    cold, cold_cpu = float("inf"), float("inf")
    for _ in range(repeats):
        hf = hf_tokenizer(encoder, merges)
        t0, c0 = time.perf_counter(), time.process_time()
        n = len(hf.encode(text).ids)
        cold = min(cold, time.perf_counter() - t0)
        cold_cpu = min(cold_cpu, time.process_time() - c0)
    report("tokenizers-cold", n, (cold, cold_cpu))
    ids, secs = best(lambda: hf.encode(text).ids, repeats)
    report("tokenizers-warm", len(ids), secs)
    enc, secs = best(lambda: hf.encode_batch(lines), repeats)
    report("tokenizers-batch", sum(len(e.ids) for e in enc), secs)
    enc, secs = best(lambda: tk.encode_ordinary_batch(lines), repeats)
    report("tiktoken-batch", sum(len(e) for e in enc), secs)


if __name__ == "__main__":
    main()
