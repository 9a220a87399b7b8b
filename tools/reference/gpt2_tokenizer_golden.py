"""Golden ids for Quill's GPT-2 tokenizer, from two independent implementations.

Reads OpenAI's GPT-2 files (encoder.json, vocab.bpe) from src/test/resources/gpt2/ and encodes a list
of test strings with
  * Hugging Face `tokenizers` (a tokenizers.Tokenizer built from the files: BPE model, ByteLevel
    pre-tokenizer and decoder, <|endoftext|> as an added special token), and
  * tiktoken, with an Encoding built here from the same files with r50k_base's pattern and
    <|endoftext|> = 50256 (tiktoken.get_encoding("r50k_base") would download its file, which fails
    offline; the ranks are the same: r50k_base is GPT-2's vocabulary),
asserts that the two agree, and writes src/test/resources/gpt2/golden.json:
  {"cases": [{"text": ..., "ids": [...]}, ...],
   "decode": [{"ids": [...], "text": ...}, ...],          # bytes.decode("utf-8", errors="replace")
   "excerpt": [...],                                       # ids of gpt2/shakespeare-excerpt.txt
   "files": {"encoder.json": sha256, "vocab.bpe": sha256}}
It also encodes gpt2/shakespeare-excerpt.txt (the first 8 KiB of tiny Shakespeare).
With a path to tiny Shakespeare it also writes gpt2/tinyshakespeare.json: the number of ids and the
sha256 of the id sequence as int32 little-endian, from both libraries.

Run from the repository root:
    /work/venv/bin/python tools/reference/gpt2_tokenizer_golden.py [data/tinyshakespeare.txt]
"""
import hashlib
import json
import os
import struct
import sys

import tiktoken
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from tokenizers import AddedToken

RES = os.path.join("src", "test", "resources", "gpt2")
EOT = "<|endoftext|>"
R50K_PAT = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def bytes_to_unicode():
    """GPT-2's table: printable bytes map to themselves, the others to U+0100 upwards, in byte order."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def load_files():
    with open(os.path.join(RES, "encoder.json"), encoding="utf-8") as f:
        encoder = json.load(f)
    with open(os.path.join(RES, "vocab.bpe"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    merges = [tuple(line.split(" ")) for line in lines[1:] if line]
    return encoder, merges


def hf_tokenizer(encoder, merges):
    tok = Tokenizer(models.BPE(vocab=encoder, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(EOT, special=True)])
    return tok


def tiktoken_encoding(encoder):
    b2u = bytes_to_unicode()
    u2b = {c: b for b, c in b2u.items()}
    ranks = {bytes(u2b[c] for c in token): rank for token, rank in encoder.items() if token != EOT}
    return tiktoken.Encoding("gpt2-from-files", pat_str=R50K_PAT, mergeable_ranks=ranks,
                             special_tokens={EOT: encoder[EOT]})


CASES = [
    "", "Hello world", "Hello, world!", " leading space", "trailing space ", "  two leading", "end two  ",
    "runs    of     spaces", "tabs\tand\t\ttabs", "line\nbreaks\n\n\nmany", "windows\r\nline\r\nends\r\n",
    "it's I'm you're we've they'll he'd can't", "IT'S I'M YOU'RE WE'VE THEY'LL HE'D CAN'T",
    "Mixed 'S 's 'Ll 'lL 'VE 're 'D", "'s at start", "quote 'twas and 'tis", "don''t", "' s", "''",
    "digits 0 12 345 6789 1234567890", "3.14159 -2.5e10 1,000,000", "phone +1 (555) 010-9999",
    "nbsp\u00a0here and\u00a0\u00a0two", "ideographic\u3000space", "thin\u2009space and\u2002en",
    "zero\u200bwidth space", "line\u2028separator\u2029para", "next line\u0085char", "vt\u000bff\u000cend",
    "info\u001fsep\u001cfs", "café naïve résumé", "cafe\u0301 nai\u0308ve (combining)", "Ångström ß ẞ ǅ",
    "Ελληνικά κείμενο", "Русский текст", "עברית", "العربية ١٢٣", "हिन्दी", "日本語のテキスト", "中文文本，标点。",
    "한국어 텍스트", "emoji 😀 👍🏽 🇫🇷", "family 👨\u200d👩\u200d👧\u200d👦 zwj", "math ∑ ∫ √ ≠ ≤ ∞",
    "def f(x):\n    return x**2  # square\n", "for (int i = 0; i < n; i++) {\n\tsum += a[i];\n}",
    '{"key": [1, 2, 3], "nested": {"a": null}}', "<html><body class=\"x\">Hi</body></html>",
    "first<|endoftext|>second", "<|endoftext|>", "a <|endoftext|> b<|endoftext|><|endoftext|>",
    "<|endoftext", "email@example.com https://example.com/path?q=1&r=2", "!!! ??? ... --- ___",
    "    \n    indented\n", "\n", " ", "   ", "\t", "x \n y", "word \t\n next", "1st 2nd 3rd 4th",
    "ALL CAPS SHOUTING", "camelCaseAndSnake_case_words", "Ǆemo ǈetter", "٣٤ ௰ Ⅻ ½", "\u00ad soft hyphen",
    "unicode \U0001d400\U0001d401 math bold", "\ufeffbom", "repl \ufffd char",
    "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n",
]

# Byte sequences (as ids of single-byte tokens) that are not valid UTF-8, and their display text.
DECODE_BYTES = [b"\xe2\x82", b"a\xe2\x82b", b"\xff", b"\xc3", b"\xf0\x9f\x98", b"\xed\xa0\x80", b"\xc0\xaf", b"\xe2\x28\xa1",
                b"ok \xf0\x9f\x98\x80 \xf0\x9f", b"\x80\x80"]


def write_small_trained(text):
    """A small byte-level BPE trained by tokenizers itself and saved in its own format (merges as pairs,
    <|endoftext|> as an added token with the first id): gpt2/hf-small/tokenizer.json + ids.json."""
    from tokenizers import trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=[EOT], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator([text], trainer=trainer)
    out = os.path.join(RES, "hf-small")
    os.makedirs(out, exist_ok=True)
    tok.save(os.path.join(out, "tokenizer.json"))
    cases = [{"text": t, "ids": tok.encode(t).ids} for t in CASES]
    with open(os.path.join(out, "ids.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=True)
        f.write("\n")


def main():
    encoder, merges = load_files()
    assert len(encoder) == 50257 and len(merges) == 50000, (len(encoder), len(merges))
    hf = hf_tokenizer(encoder, merges)
    tk = tiktoken_encoding(encoder)
    out_cases = []
    for text in CASES:
        a = hf.encode(text).ids
        b = tk.encode(text, allowed_special="all")
        if a != b:
            print("DISAGREE", repr(text), a, b)
        assert a == b, text
        out_cases.append({"text": text, "ids": a})
    b2u = bytes_to_unicode()
    decode = []
    for raw in DECODE_BYTES:
        ids = [encoder[b2u[b]] for b in raw]
        text = raw.decode("utf-8", errors="replace")
        assert hf.decode(ids) == text, (raw, hf.decode(ids), text)
        assert tk.decode(ids) == text
        decode.append({"ids": ids, "text": text})
    with open(os.path.join(RES, "shakespeare-excerpt.txt"), encoding="utf-8") as f:
        excerpt_text = f.read()
    excerpt = hf.encode(excerpt_text).ids
    assert excerpt == tk.encode(excerpt_text, allowed_special="all")
    write_small_trained(excerpt_text)
    files = {}
    for name in ("encoder.json", "vocab.bpe"):
        with open(os.path.join(RES, name), "rb") as f:
            files[name] = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(RES, "golden.json"), "w", encoding="utf-8") as f:
        json.dump({"cases": out_cases, "decode": decode, "excerpt": excerpt, "files": files}, f, ensure_ascii=True, indent=1)
        f.write("\n")
    print(f"{len(out_cases)} strings: tokenizers {__import__('tokenizers').__version__} and tiktoken "
          f"{tiktoken.__version__} agree; wrote {RES}/golden.json")
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8") as f:
            text = f.read()
        a = hf.encode(text).ids
        b = tk.encode(text, allowed_special="all")
        digests = {}
        for name, ids in (("tokenizers", a), ("tiktoken", b)):
            digests[name] = {"count": len(ids),
                             "sha256": hashlib.sha256(struct.pack(f"<{len(ids)}i", *ids)).hexdigest()}
        assert digests["tokenizers"] == digests["tiktoken"], digests
        with open(sys.argv[1], "rb") as f:
            text_sha = hashlib.sha256(f.read()).hexdigest()
        with open(os.path.join(RES, "tinyshakespeare.json"), "w", encoding="utf-8") as f:
            json.dump({"text_sha256": text_sha, **digests}, f, indent=1)
            f.write("\n")
        print("tiny Shakespeare:", digests["tiktoken"])


if __name__ == "__main__":
    main()
