/**
 * Phase 6: the {@code quill} command line.
 *
 * <p>{@link dev.quill.cli.Main} sets up UTF-8 streams and logging to stderr, then
 * {@link dev.quill.cli.QuillCommand} (picocli) parses the arguments and runs a subcommand. stdout carries
 * only a command's result; exit codes are 0 (success), 2 (bad usage or bad input), 1 (a failure while
 * running) and 130 (interrupted). Each subcommand (train, lr-find, generate, evaluate, chat, tokenizer,
 * info) is one class that drives the phase it is named after; {@code docs/06-cli.md} shows them running.
 */
package dev.quill.cli;
