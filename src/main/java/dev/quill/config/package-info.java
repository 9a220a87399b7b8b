/**
 * Phase 0: configuration and the errors that bad input produces.
 *
 * <p>Every concern has one immutable record, validated in its constructor, so a bad value fails when it
 * is loaded with a message that names the key, the value and what is allowed. The records arrive with the
 * phases that need them ({@code ModelConfig} with the model, {@code TrainConfig} and {@code DataConfig}
 * with training, {@code SftConfig} and {@code LoraConfig} with fine-tuning). {@link dev.quill.config.BadInputException}
 * is the one exception for input Quill cannot use; the command line turns it into a one-line message and exit
 * code 2.
 */
package dev.quill.config;
