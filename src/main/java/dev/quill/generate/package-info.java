/**
 * Phase 5: generation and evaluation. A trained model becomes text here, and a number.
 *
 * <p><b>Open {@link dev.quill.generate.Generator} first.</b> It is the loop every sampler in the world
 * runs: logits of the last position, pick one id, append it, repeat. Around that loop: a prompt becomes ids
 * ({@code PromptEncoder}: empty prompt = one start token, newline by default; longer than block_size = its
 * last block_size tokens); the ids become text one complete character at a time ({@code IncrementalDecoder},
 * which holds back BPE bytes that end mid-UTF-8); the text is checked against stop sequences and streamed
 * ({@code StopSequences}, which holds back any tail that could still begin a stop string).
 *
 * <p>The logits come from one of two {@code ContextRunner}s. {@code FullRunner} is nanoGPT's loop: run the
 * whole context, cropped to its last block_size tokens, every step. {@code CachedRunner} keeps each layer's
 * keys and values in a {@link dev.quill.model.KvCache} so a step costs one position; when the cache is full
 * the window slides by clearing it and re-feeding the last block_size tokens, which is exactly nanoGPT's
 * crop, so both runners give the same logits at every step (the tests hold them to it).
 *
 * <p>Picking the id: {@link dev.quill.generate.SampleConfig} describes it and
 * {@link dev.quill.generate.SamplerChain} does it in the usual order: repetition penalty (Keskar et al.,
 * 2019), temperature, top-k (Fan et al., 2018), top-p (Holtzman et al., 2020), one draw with
 * {@link dev.quill.autograd.Rng}. Each step also exists alone ({@link dev.quill.generate.GreedySampler},
 * {@link dev.quill.generate.TemperatureSampler}, {@link dev.quill.generate.TopKSampler},
 * {@link dev.quill.generate.TopPSampler}). {@link dev.quill.generate.BeamSearch} is the deterministic
 * alternative, with GNMT's length penalty (Wu et al., 2016).
 *
 * <p>Measuring: {@link dev.quill.generate.Evaluator} computes mean cross-entropy and perplexity over a
 * text file by a definition exact enough to reproduce elsewhere (it matches PyTorch on a fixture), and
 * {@link dev.quill.generate.SampleQuality} scores samples by distinct-1, distinct-2 and a repetition rate.
 * The chapter is {@code docs/05-generation.md}.
 */
package dev.quill.generate;
