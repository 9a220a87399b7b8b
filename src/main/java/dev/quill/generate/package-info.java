/**
 * Phase 5: generation and evaluation (arrives with the generation issue): samplers (greedy, temperature,
 * top-k, top-p), stop sequences, the KV cache, streaming, and perplexity over a text file.
 */
package dev.quill.generate;
