"""Tiny Hugging Face GPT-2 directories and transformers' outputs on them, for Quill's loader tests.

Writes, from the repository root:
  src/test/resources/hf/<name>/          config.json, weights (model.safetensors or two shards + index),
                                         vocab.json, merges.txt, tokenizer.json
  src/test/resources/hf/golden/<name>.safetensors
      input.ids (B, T) I64, output.logits (B, T, V) F32, output.loss () F32,
      prompt.ids (P) I64, greedy.ids (20) I64  (the new tokens of model.generate, greedy, with the KV cache)

Every parameter is random, biases and LayerNorm gains and shifts included (a loader that drops a bias or
swaps a gain would pass on transformers' default init of zeros and ones). The directories cover: tied and
untied heads, gelu_new / gelu / gelu_pytorch_tanh, n_inner null, 2C and an odd width, names with the
`transformer.` prefix (as save_pretrained writes) and without (as the original gpt2 upload), the causal-mask
buffers attn.bias / attn.masked_bias, F16 weights (the reference runs the F16-rounded weights in F32), and
a directory sharded in two through model.safetensors.index.json.

Run: /work/venv/bin/python tools/reference/hf_gpt2_reference.py   (torch, transformers 5, tokenizers,
safetensors). Deterministic for a given torch build.
"""
import json
import os
import shutil

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import GPT2Config, GPT2LMHeadModel, GenerationConfig

ROOT = os.path.join("src", "test", "resources", "hf")
VOCAB = 320
TEXT = [
    "First Citizen: Before we proceed any further, hear me speak.",
    "All: Speak, speak. You are all resolved rather to die than to famish?",
    "We are accounted poor citizens, the patricians good.",
    "What authority surfeits on would relieve us: if they would yield us but the superfluity.",
    "The quick brown fox jumps over the lazy dog; 0123456789 times.",
    "Hugging Face writes GPT-2 as Conv1D layers whose weights are stored in by out.",
] * 4

# name: (tied, activation, n_inner, prefixed, buffers, dtype, sharded)
VARIANTS = {
    "tied_gelunew_prefixed": (True, "gelu_new", None, True, False, torch.float32, False),
    "untied_gelu_bare_buffers": (False, "gelu", 37, False, True, torch.float32, False),
    "tied_pytorchtanh_f16": (True, "gelu_pytorch_tanh", 64, True, False, torch.float16, False),
    "untied_gelunew_sharded": (False, "gelu_new", None, True, False, torch.float32, True),
}


def tokenizer():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(TEXT, trainer)
    assert tok.get_vocab_size() == VOCAB, tok.get_vocab_size()
    return tok


def randomized(config, seed):
    torch.manual_seed(seed)
    model = GPT2LMHeadModel(config).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(".bias"):
                p.copy_(0.1 * torch.randn_like(p))
            elif ".ln_" in name:
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.15 * torch.randn_like(p))       # peaked logits: greedy choices far from ties
    return model


def state(model, tied, prefixed, buffers, n_positions, dtype):
    out = {}
    for k, v in model.state_dict().items():
        if tied and k == "lm_head.weight":
            continue
        if not k.startswith("transformer.") and k != "lm_head.weight":
            continue                                      # no other buffers are stored
        bare = k[len("transformer."):] if k.startswith("transformer.") else k
        out[k if prefixed else bare] = v.detach().to(dtype).clone().contiguous()
    if buffers:
        prefix = "transformer." if prefixed else ""
        for i in range(model.config.n_layer):
            mask = torch.tril(torch.ones(n_positions, n_positions)).view(1, 1, n_positions, n_positions)
            out[f"{prefix}h.{i}.attn.bias"] = mask
            out[f"{prefix}h.{i}.attn.masked_bias"] = torch.tensor(-1e4)
    return out


def write_weights(d, tensors, sharded):
    if not sharded:
        save_file(tensors, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
        return
    names = list(tensors)
    half = len(names) // 2
    weight_map, total = {}, 0
    for i, part in enumerate([names[:half], names[half:]]):
        fname = f"model-0000{i + 1}-of-00002.safetensors"
        save_file({k: tensors[k] for k in part}, os.path.join(d, fname), metadata={"format": "pt"})
        for k in part:
            weight_map[k] = fname
            total += tensors[k].numel() * tensors[k].element_size()
    with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)


def main():
    torch.set_num_threads(1)
    tok = tokenizer()
    eot = tok.token_to_id("<|endoftext|>")
    os.makedirs(os.path.join(ROOT, "golden"), exist_ok=True)
    for seed, (name, (tied, act, n_inner, prefixed, buffers, dtype, sharded)) in enumerate(VARIANTS.items()):
        config = GPT2Config(vocab_size=VOCAB, n_positions=40, n_embd=32, n_layer=2, n_head=4, n_inner=n_inner,
                            activation_function=act, tie_word_embeddings=tied, bos_token_id=eot,
                            eos_token_id=eot, resid_pdrop=0.1, embd_pdrop=0.1, attn_pdrop=0.1)
        model = randomized(config, 1000 + seed)
        if dtype != torch.float32:                       # the reference runs the rounded weights in F32
            with torch.no_grad():
                for p in model.parameters():
                    p.copy_(p.to(dtype).float())
        d = os.path.join(ROOT, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        config.save_pretrained(d)
        write_weights(d, state(model, tied, prefixed, buffers, config.n_positions, dtype), sharded)
        tok.model.save(d)                                  # vocab.json, merges.txt
        tok.save(os.path.join(d, "tokenizer.json"))

        g = torch.Generator().manual_seed(7 + seed)
        ids = torch.randint(0, VOCAB, (2, 16), generator=g)
        with torch.no_grad():
            out = model(ids, labels=ids)
            prompt = ids[0, :5].unsqueeze(0)
            gen = model.generate(prompt, generation_config=GenerationConfig(
                do_sample=False, use_cache=True, max_new_tokens=20, eos_token_id=None, pad_token_id=eot))
            new = gen[0, prompt.shape[1]:]
            assert new.numel() == 20, new
            # the directory as written loads in transformers and computes the same logits
            loaded = GPT2LMHeadModel.from_pretrained(d, dtype=torch.float32).eval()
            diff = (loaded(ids).logits - out.logits).abs().max().item()
            assert diff < 1e-5, (name, diff)
        save_file({
            "input.ids": ids.contiguous(),
            "output.logits": out.logits.float().contiguous(),
            "output.loss": out.loss.float().reshape(()).contiguous(),
            "prompt.ids": prompt[0].clone().contiguous(),
            "greedy.ids": new.contiguous(),
        }, os.path.join(ROOT, "golden", name + ".safetensors"),
            metadata={"transformers": __import__("transformers").__version__, "torch": torch.__version__})
        print(name, "loss", round(out.loss.item(), 5), "from_pretrained max diff", diff)


if __name__ == "__main__":
    main()
