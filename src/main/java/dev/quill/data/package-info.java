/**
 * Phase 2, data: from a text file to the integer batches a model trains on.
 *
 * <p>Open {@link dev.quill.data.Tokenizer} first. A tokenizer maps text to ids and back; Quill trains two.
 * {@link dev.quill.data.CharTokenizer} gives every distinct character of the training text an id (65 of
 * them for tiny Shakespeare), which is the simplest thing that can work and what nanoGPT's character
 * model uses. {@link dev.quill.data.BpeTokenizer} is GPT-2's byte-level byte-pair encoding: start from
 * the 256 byte values and repeatedly give the most frequent adjacent pair its own id. Text is first cut
 * into word-like chunks by {@link dev.quill.data.PreTokenizer} so merges stay inside words, and
 * {@link dev.quill.data.BpeTrainer} keeps pair counts up to date incrementally instead of recounting the
 * corpus after each merge. Both tokenizers save to one {@code tokenizer.json} and can grow special
 * tokens ({@code <|endoftext|>}, {@code <|user|>}) at the end of their vocabulary.
 *
 * <p>{@link dev.quill.data.Gpt2Tokenizer} is GPT-2's own tokenizer, read from its files (Hugging Face's
 * {@code tokenizer.json} or {@code vocab.json} + {@code merges.txt}, OpenAI's {@code encoder.json} +
 * {@code vocab.bpe}) and exact against tiktoken and Hugging Face tokenizers: GPT-2's pre-split
 * ({@link dev.quill.data.Gpt2PreTokenizer}, with English contractions), the byte-to-character table of
 * its files ({@code ByteLevel}), and merges applied by rank ({@code MergeTable}, shared with the BPE
 * tokenizer). {@link dev.quill.data.Tokenizer#fromDirectory} finds a model directory's tokenizer in any
 * form, and {@link dev.quill.data.HfTokenizerFiles} writes any of the three tokenizers in Hugging Face's
 * form.
 *
 * <p>Text comes in through {@link dev.quill.data.Corpora} (strict UTF-8; tiny Shakespeare found locally or
 * downloaded and checked by {@link dev.quill.data.RemoteFile}). Token ids live in a
 * {@link dev.quill.data.Tokens} sequence: an {@code int[]} ({@link dev.quill.data.ArrayTokens}) or, for a
 * corpus larger than the heap, a memory-mapped {@link dev.quill.data.TokenFile} written by streaming the
 * text through the tokenizer ({@link dev.quill.data.TextStream}). {@link dev.quill.data.DataReport} says
 * what the corpus looks like.
 *
 * <p>{@link dev.quill.data.TokenSplit} cuts the ids once: the first 90% train, the last 10% validate.
 * {@link dev.quill.data.RandomWindowSampler} draws training batches of {@code B} random windows of
 * {@code T + 1} tokens (inputs are the first {@code T}, targets the last {@code T}) from a seeded generator
 * whose state is one {@code long}, so a resumed run sees the same batches;
 * {@link dev.quill.data.Prefetcher} builds them on a background thread.
 * {@link dev.quill.data.SequentialWindows} walks a text in non-overlapping windows for evaluation. Both
 * hand out a {@link dev.quill.data.Batch}: two (B, T) int32 ND4J arrays.
 *
 * <p>Fine-tuning on conversations (supervised fine-tuning, SFT) has a package of its own,
 * {@link dev.quill.data.sft}: conversations read from JSON Lines or cut out of a transcript, rendered by a
 * chat template whose targets train only the assistant's tokens, and served as padded rows mixed with
 * windows of plain text by {@link dev.quill.data.sft.SftBatches}, a {@link dev.quill.data.BatchSource}
 * like the sampler here. Open {@link dev.quill.data.sft.SftDataset} there first.
 *
 * <p>Shape legend: {@code B} batch size (windows per batch), {@code T} block size (positions per
 * window), {@code V} vocabulary size. Bad input (a malformed file, a character outside the vocabulary,
 * a corpus shorter than {@code T + 1} tokens) is a {@link dev.quill.config.BadInputException} whose
 * message names the problem and the fix.
 */
package dev.quill.data;
