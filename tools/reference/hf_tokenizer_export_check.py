"""Checks Quill's Hugging Face export with the tokenizers library, and records the ids it gives.

For each directory under src/test/resources/hf-export/ (written by Java:
`dev.quill.data.HfExportFixtures`, see tools/reference/README.md) this script
  * loads tokenizer.json with tokenizers.Tokenizer.from_file, and the directory with
    transformers.AutoTokenizer.from_pretrained (which must pick the same files),
  * encodes the golden strings of gpt2_tokenizer_golden.py plus a few more (NFD accents, special tokens,
    characters outside a character vocabulary), asserting the two agree and that decoding gives the
    text back (NFC-normalised when the tokenizer normalises),
  * writes ids.json: [{"text": ..., "ids": [...]} or {"text": ..., "error": true}, ...], "error" where
    tokenizers refuses the text (a character tokenizer without an unknown token).
The Java test HfTokenizerFilesTest re-exports the same tokenizers byte-identically and checks that Quill
gives these ids (and refuses the same texts).

Run from the repository root:  /work/venv/bin/python tools/reference/hf_tokenizer_export_check.py
"""
import json
import os
import sys
import unicodedata

from tokenizers import Tokenizer
from transformers import AutoTokenizer

sys.path.insert(0, os.path.dirname(__file__))
from gpt2_tokenizer_golden import CASES  # noqa: E402

ROOT = os.path.join("src", "test", "resources", "hf-export")
EXTRA = ["First Citizen:\nYou are all resolved rather to die than to famish?\n", "cafe\u0301 re\u0301sume\u0301 na\u0131\u0308ve",
         "caf\u00e9<|endoftext|>caf\u00e9", "<|user|>hi<|endoftext|>", "  \n\n\t x", "ALL:\nResolved. resolved.\n"]


def check(name):
    d = os.path.join(ROOT, name)
    fast = Tokenizer.from_file(os.path.join(d, "tokenizer.json"))
    auto = AutoTokenizer.from_pretrained(d)
    nfc = json.load(open(os.path.join(d, "tokenizer.json"), encoding="utf-8")).get("normalizer") is not None
    out, refused = [], 0
    for text in CASES + EXTRA:
        try:
            ids = fast.encode(text).ids
        except Exception:  # noqa: BLE001  (tokenizers raises a plain Exception for an unknown token)
            try:
                auto(text, add_special_tokens=False)
            except Exception:  # noqa: BLE001
                out.append({"text": text, "error": True})
                refused += 1
                continue
            raise AssertionError(f"{name}: AutoTokenizer encodes what tokenizers refuses: {text!r}")
        assert auto(text, add_special_tokens=False)["input_ids"] == ids, (name, text)
        back = fast.decode(ids, skip_special_tokens=False)
        want = unicodedata.normalize("NFC", text) if nfc else text
        if "<|unk|>" not in back:
            assert back == want, (name, text, back)
        out.append({"text": text, "ids": ids})
    with open(os.path.join(d, "ids.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=True)
        f.write("\n")
    print(f"{name}: {len(out)} texts, {refused} refused; tokenizers and AutoTokenizer ({type(auto).__name__}) agree")


def main():
    for name in sorted(os.listdir(ROOT)):
        if os.path.isfile(os.path.join(ROOT, name, "tokenizer.json")):
            check(name)


if __name__ == "__main__":
    main()
