"""A minimal safetensors writer, written from the format description so that it shares nothing with
Quill's Java reader (Debian ships no python3-safetensors package).

Format: u64 little-endian header length N, N bytes of UTF-8 JSON, then the raw little-endian bytes of
every tensor; the JSON maps name -> {"dtype", "shape", "data_offsets": [begin, end)} relative to the
start of the data section, plus an optional "__metadata__" map of strings.
"""
import json
import struct
import sys

import torch

DTYPES = {
    torch.float32: ("F32", torch.int32),
    torch.float16: ("F16", torch.int16),
    torch.bfloat16: ("BF16", torch.int16),
    torch.float64: ("F64", torch.int64),
    torch.int64: ("I64", torch.int64),
    torch.int32: ("I32", torch.int32),
}


def tensor_bytes(t):
    """Row-major little-endian bytes of t (viewed as an integer type: numpy has no bfloat16)."""
    assert sys.byteorder == "little", "this writer assumes a little-endian host"
    _, as_int = DTYPES[t.dtype]
    return t.detach().contiguous().view(as_int).numpy().tobytes()


def write(path, tensors, metadata=None, data_order=None, extra_padding=0, metadata_position=0):
    """Write `tensors` (an ordered dict name -> torch tensor) to `path`.

    The header lists tensors in the dict's order. `data_order` (a list of names) lays the bytes out in a
    different order than the header; `extra_padding` adds spaces after the JSON beyond the 8-byte
    alignment; `metadata_position` puts "__metadata__" after that many tensors in the header.
    """
    names = list(tensors)
    order = data_order if data_order is not None else names
    assert sorted(order) == sorted(names)
    offsets, blobs, pos = {}, [], 0
    for name in order:
        b = tensor_bytes(tensors[name])
        offsets[name] = [pos, pos + len(b)]
        blobs.append(b)
        pos += len(b)
    header = {}
    for i, name in enumerate(names):
        if metadata and i == metadata_position:
            header["__metadata__"] = metadata
        t = tensors[name]
        header[name] = {"dtype": DTYPES[t.dtype][0], "shape": list(t.shape), "data_offsets": offsets[name]}
    if metadata and metadata_position >= len(names):
        header["__metadata__"] = metadata
    raw = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((-len(raw)) % 8 + extra_padding)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)
