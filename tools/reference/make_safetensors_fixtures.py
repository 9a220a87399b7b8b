"""Interop fixtures for Quill's safetensors reader (src/test/resources/safetensors/).

Run from the repository root:  /usr/bin/python3 tools/reference/make_safetensors_fixtures.py
Each file also stores the expected values in a type the reader loads without conversion (F32 beside
F16/BF16, converted by torch), or the Java test holds them as literals chosen here by hand.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_writer  # noqa: E402

OUT = os.path.join("src", "test", "resources", "safetensors")


def all_16_bit_patterns():
    # every 16-bit pattern 0x0000..0xffff, as int16 storage
    return torch.arange(0, 1 << 16, dtype=torch.int32).to(torch.int16)


def halves():
    """Every F16 and every BF16 bit pattern, plus torch's own conversion of each to F32."""
    bits = all_16_bit_patterns()
    f16 = bits.view(torch.float16)
    bf16 = bits.view(torch.bfloat16)
    # Hand-picked F16 values (their F32 values are literals in the Java test too).
    picked = torch.tensor([0.0, -0.0, 1.0, -2.0, 65504.0, 2.0 ** -14, 2.0 ** -24, -(2.0 ** -24),
                           2.0 ** -14 - 2.0 ** -24, float("inf"), float("-inf"), float("nan"), 0.1],
                          dtype=torch.float32)
    tensors = {
        "f16.all": f16,
        "f16.all_as_f32": f16.float(),
        "bf16.all": bf16,
        "bf16.all_as_f32": bf16.float(),
        "f16.picked": picked.half().reshape(13, 1),
        "bf16.picked": picked.bfloat16().reshape(1, 13),
        "f32.picked": picked,
    }
    st_writer.write(os.path.join(OUT, "halves.safetensors"), tensors, metadata={"what": "every 16-bit pattern"})


def mixed():
    """Several dtypes, header order neither alphabetical nor the data order, metadata in the middle of
    the header, 13 extra spaces of padding (the data section is then not 8-byte aligned)."""
    tensors = {
        "zeta": torch.arange(6, dtype=torch.float32).reshape(2, 3) * 0.5 - 1.0,   # -1.0 .. 1.5
        "alpha": torch.tensor([-1, 0, 1 << 40, -(1 << 62)], dtype=torch.int64),
        "mid.scalar": torch.tensor(3.25, dtype=torch.float32),
        "beta": torch.tensor([0.1, -1e300, 5e-324], dtype=torch.float64),
        "gamma": torch.tensor([[7, -8], [2147483647, -2147483648]], dtype=torch.int32),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
        "f32.special": torch.tensor([-0.0, float("inf"), float("-inf"), 1e-45, 3.4028234663852886e38],
                                    dtype=torch.float32),
    }
    metadata = {"format": "pt", "note": "caf\u00e9 \u2713", "json": json.dumps({"a": [1, 2]})}
    data_order = ["gamma", "mid.scalar", "empty", "zeta", "f32.special", "beta", "alpha"]
    st_writer.write(os.path.join(OUT, "mixed.safetensors"), tensors, metadata=metadata,
                    data_order=data_order, extra_padding=13, metadata_position=2)


def no_metadata():
    """No __metadata__ at all; an I64 matrix and an F32 vector."""
    tensors = {
        "ids": torch.arange(12, dtype=torch.int64).reshape(3, 4) - 5,
        "w": torch.linspace(-1, 1, 5, dtype=torch.float32),
    }
    st_writer.write(os.path.join(OUT, "no_metadata.safetensors"), tensors)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    halves()
    mixed()
    no_metadata()
    print("torch", torch.__version__, "->", OUT)
