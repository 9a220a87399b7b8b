"""transformers' logits on the GPT-2 directories that Quill's export wrote (HfExportFixtures).

Reads src/test/resources/hf/export/<name>/ with GPT2LMHeadModel.from_pretrained (so the export must be a
directory transformers accepts: config keys, tensor names, Conv1D layout, no missing or unexpected keys) and
writes src/test/resources/hf/golden/export_<name>.safetensors: input.ids (2, T) I64, output.logits F32.

Run after the Java main writes the directories:
  java -cp <test classpath> dev.quill.model.HfExportFixtures
  /work/venv/bin/python tools/reference/hf_export_check.py
"""
import os

import torch
from safetensors.torch import save_file
from transformers import GPT2LMHeadModel

ROOT = os.path.join("src", "test", "resources", "hf")


def main():
    torch.set_num_threads(1)
    for i, name in enumerate(sorted(os.listdir(os.path.join(ROOT, "export")))):
        d = os.path.join(ROOT, "export", name)
        model, info = GPT2LMHeadModel.from_pretrained(d, dtype=torch.float32, output_loading_info=True)
        assert not any(info.values()), (name, info)           # nothing missing, unexpected or mismatched
        model.eval()
        g = torch.Generator().manual_seed(40 + i)
        ids = torch.randint(0, model.config.vocab_size, (2, model.config.n_positions), generator=g)
        with torch.no_grad():
            logits = model(ids).logits
        save_file({"input.ids": ids.contiguous(), "output.logits": logits.float().contiguous()},
                  os.path.join(ROOT, "golden", "export_" + name + ".safetensors"))
        print(name, tuple(logits.shape))


if __name__ == "__main__":
    main()
