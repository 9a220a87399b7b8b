/**
 * Phase 2, data for fine-tuning: from conversations to batches in which only the answers are trained.
 *
 * <p>Supervised fine-tuning (SFT) takes a pre-trained model and trains it further on conversations, so that
 * it learns to answer instead of merely continuing text (the first step of Ouyang et al., "Training language
 * models to follow instructions with human feedback", 2022). Open {@link dev.quill.data.sft.SftDataset}
 * first: it runs the whole path from a file to rows of {@code T} positions and counts, in an
 * {@link dev.quill.data.sft.SftSummary}, where every conversation went.
 *
 * <p>A {@link dev.quill.data.sft.Conversation} is a list of {@link dev.quill.data.sft.Message}s (system,
 * user, assistant). {@link dev.quill.data.sft.ConversationReader} reads them from JSON Lines, in the
 * messages form or the prompt/response form, and {@link dev.quill.data.sft.ConversationExtractor} cuts them
 * out of a transcript with speaker lines, such as tiny Shakespeare. Both count what they skip, and why, in a
 * {@link dev.quill.data.sft.SkipReport}; {@link dev.quill.data.sft.LoadedConversations} keeps the line each
 * conversation starts on, so a later error can point at the file. {@link dev.quill.data.sft.ConversationWriter}
 * writes the messages form back.
 *
 * <p>A {@link dev.quill.data.sft.ChatTemplate} ({@link dev.quill.data.sft.DefaultChatTemplate}) renders a
 * conversation with role markers and an end-of-turn token, added to the tokenizer as special tokens at the
 * end of its vocabulary, into a {@link dev.quill.data.sft.RenderedChat}: ids and next-token targets, with
 * every target that is not the assistant's set to -1, which the cross-entropy skips. The same template
 * renders a chat so far as a prompt for generation, which is how {@code quill chat} talks to a tuned model.
 *
 * <p>Each conversation becomes one padded row of {@code T} positions ({@link dev.quill.data.sft.SftRow};
 * padding, not packing, so causal attention alone keeps conversations apart), and
 * {@link dev.quill.data.sft.SftBatches} serves the rows in shuffled epochs, mixed with windows of plain
 * text at an exact per-batch ratio, resumable from one {@code long} like every
 * {@link dev.quill.data.BatchSource}. The tokenizers, corpora and the {@link dev.quill.data.Batch} it fills
 * live one package up, in {@link dev.quill.data}; {@code docs/07-fine-tuning.md} walks through it all with
 * a run.
 */
package dev.quill.data.sft;
