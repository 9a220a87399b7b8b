package dev.quill.cli;

import static dev.quill.cli.CliTest.quill;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quill.cli.CliTest.Run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quill tokenizer encode|decode} with every tokenizer form, in-process. */
class TokenizerCliTest {

    static final Path GPT2 = Path.of("src/test/resources/gpt2");

    @TempDir
    Path dir;

    @Test
    void encodesWithGpt2FilesInEveryFormAndMapsEndOfTextByDefault() throws IOException {
        // "Hello world" = 15496 995 and <|endoftext|> = 50256 in encoder.json; the golden test checks the rest
        Path hf = Files.createDirectories(dir.resolve("hf"));
        Files.copy(GPT2.resolve("encoder.json"), hf.resolve("vocab.json"));
        Files.copy(GPT2.resolve("vocab.bpe"), hf.resolve("merges.txt"));
        for (Path p : new Path[]{GPT2, GPT2.resolve("encoder.json"), GPT2.resolve("vocab.bpe"), hf, hf.resolve("vocab.json")}) {
            Run r = quill("tokenizer", "encode", "--tokenizer", p.toString(), "Hello world<|endoftext|>");
            assertThat(r.code()).as(p + ": " + r.err()).isZero();
            assertThat(r.out()).isEqualTo("15496 995 50256\n");
        }
        Run plain = quill("tokenizer", "encode", "--tokenizer", GPT2.toString(), "--no-special", "<|endoftext|>");
        assertThat(plain.out().trim().split(" ")).hasSizeGreaterThan(1).doesNotContain("50256");
        Run dec = quill("tokenizer", "decode", "--tokenizer", GPT2.toString(), "15496", "995", "50256");
        assertThat(dec.out()).isEqualTo("Hello world<|endoftext|>");
    }

    @Test
    void quillTokenizersKeepSpecialTokensAsTextUnlessAsked() throws IOException {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, "abc abc abd");
        Path tok = dir.resolve("char.json");
        assertThat(quill("tokenizer", "train", "--type", "char", "--data", text.toString(), "--out", tok.toString()).code()).isZero();
        // sorted characters: ' '=0 'a'=1 'b'=2 'c'=3 'd'=4
        assertThat(quill("tokenizer", "encode", "--tokenizer", tok.toString(), "cab d").out()).isEqualTo("3 1 2 0 4\n");
        assertThat(quill("tokenizer", "encode", "--tokenizer", dir.toString(), "a").code()).isEqualTo(2); // no tokenizer.json there
        Files.copy(tok, dir.resolve("tokenizer.json"));
        assertThat(quill("tokenizer", "encode", "--tokenizer", dir.toString(), "a").out()).isEqualTo("1\n");
    }

    @Test
    void missingArgumentsPointAtAHelpCommandThatWorks() {
        for (String sub : new String[]{"encode", "decode"}) {
            Run r = quill("tokenizer", sub, "--tokenizer", GPT2.toString());
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).hasLineCount(1).contains("'quill tokenizer " + sub + " --help'");
            Run help = quill("tokenizer", sub, "--help");
            assertThat(help.code()).isZero();
            assertThat(help.out()).contains("--tokenizer=PATH");
        }
    }

    @Test
    void badTokenizerFilesAreOneLineAndExitTwo() throws IOException {
        Path vocab = Files.createDirectories(dir.resolve("bad")).resolve("vocab.json");
        Files.writeString(vocab, "{\"a\": 0,");
        Files.writeString(dir.resolve("bad/merges.txt"), "a b\n");
        Path merges = Files.createDirectories(dir.resolve("bad2")).resolve("merges.txt");
        Files.copy(GPT2.resolve("encoder.json"), dir.resolve("bad2/vocab.json"));
        Files.writeString(merges, "#version: 0.2\nĠ t\nnot-a-pair\n");
        String[][] cases = {
            {"tokenizer", "encode", "--tokenizer", vocab.toString(), "x"},
            {"tokenizer", "encode", "--tokenizer", dir.resolve("bad2").toString(), "x"},
            {"tokenizer", "decode", "--tokenizer", dir.resolve("nothing-here").toString(), "1"},
            {"tokenizer", "decode", "--tokenizer", GPT2.toString(), "50257"},
            {"tokenizer", "encode", "--tokenizer", dir.toString(), "x"},
        };
        for (String[] args : cases) {
            Run r = quill(args);
            assertThat(r.code()).as(String.join(" ", args) + " -> " + r.err()).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", args)).hasLineCount(1).startsWith("quill: ");
        }
        assertThat(quill(cases[0]).err()).contains("vocab.json");
        assertThat(quill(cases[1]).err()).contains("merges.txt", "line 3");
    }
}
