/**
 * Phase 3: the GPT, its parts, and checkpoints that PyTorch users can open.
 *
 * <p>Open {@link dev.quill.model.Gpt} first: token embedding plus positions, a stack of
 * {@link dev.quill.model.Block}s, a final norm and the (tied) language-model head, as in GPT-2 and nanoGPT.
 * A block is pre-norm: {@code x + attn(ln_1(x))}, then {@code x + mlp(ln_2(x))}.
 * {@link dev.quill.model.CausalSelfAttention} makes queries, keys and values with one fused projection and
 * runs the heads as a batch axis through the fused attention op; its {@code attendComposite} spells the
 * same computation out op by op. Norms are {@link dev.quill.model.LayerNorm} or
 * {@link dev.quill.model.RmsNorm}; positions are {@link dev.quill.model.LearnedPositions} or
 * {@link dev.quill.model.SinusoidalPositions}. Every module is a {@link dev.quill.model.Module}: named
 * parameters whose dotted names are GPT-2's checkpoint keys, and a training flag.
 *
 * <p>Initialization follows GPT-2: weights normal(0, 0.02), residual projections normal(0, 0.02 /
 * sqrt(2 n_layer)) so the residual stream's variance does not grow with depth, biases zero, norm gains one.
 *
 * <p>{@link dev.quill.model.Checkpoint} writes and reads a directory with {@code config.json} and
 * {@code model.safetensors} (our own {@link dev.quill.model.Safetensors} reader and writer), tensor names
 * and layouts as in nanoGPT, so {@code safetensors.torch.load_file} opens it. It also opens a Hugging Face
 * GPT-2 directory (config.json with {@code "model_type": "gpt2"}): {@link dev.quill.model.HfGpt2Config}
 * maps its config, {@code HfGpt2Weights} streams its safetensors (one file or shards) into the parameters,
 * transposing GPT-2's Conv1D weights, and {@link dev.quill.model.HfGpt2Export} writes a model back in that form.
 *
 * <p>Fine-tuning with low-rank adapters (LoRA, Hu et al. 2021): {@link dev.quill.model.Lora#apply} freezes
 * the model and turns chosen projections ({@link dev.quill.model.Projection}s, plain
 * {@link dev.quill.model.Linear}s) into {@link dev.quill.model.LoraLinear}s, which add
 * {@code (alpha/r) B A x} to the frozen {@code W x}; then {@link dev.quill.model.Module#trainableParameters()}
 * is the adapters alone. {@link dev.quill.model.LoraCheckpoint} saves and loads them in PEFT's layout,
 * {@link dev.quill.model.Lora#merge} folds them into the weights for export, and
 * {@link dev.quill.model.FineTuneFootprint} says what the freezing saves.
 *
 * <p>Generation runs one sequence through {@link dev.quill.model.KvCache} in Java loops ({@code RowDecoder}),
 * on weights that {@link dev.quill.model.DecoderWeights} prepares once: a transposed copy for small models, the
 * model's own F32 buffers read in place for large ones (a decode step there is bound by memory bandwidth),
 * or weight-only int8 rows with one absmax scale each ({@link dev.quill.model.WeightFormat#INT8}).
 *
 * <p>Shapes: B batch, T time, C channels ({@code n_embd}), nh heads, hs head size, V vocabulary.
 */
package dev.quill.model;
