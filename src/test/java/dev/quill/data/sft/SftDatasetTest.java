package dev.quill.data.sft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.SftConfig;
import dev.quill.data.Batch;
import dev.quill.data.CharTokenizer;
import dev.quill.data.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Read, dedup, encode, filter, split, cap, rows: each stage counted. */
class SftDatasetTest {

    private static final ChatTemplate TEMPLATE = new DefaultChatTemplate(CharTokenizer.train("abcdefghijklmnopqrstuvwxyz"));
    private static final int X = -1;

    private static SftConfig cfg(String json) {
        try {
            return SftConfig.fromJson(ConfigJson.MAPPER.readTree(json), SftConfig.defaults());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Conversation pr(String prompt, String response) {
        return Conversation.promptResponse(null, prompt, response);
    }

    private static LoadedConversations loaded(List<Conversation> cs) {
        List<Integer> lines = IntStream.rangeClosed(1, cs.size()).boxed().toList();
        return new LoadedConversations("mem", cs, lines, SkipReport.none(cs.size()));
    }

    /** Two-letter prompts "aa", "ab", ...: n distinct conversations of 8 tokens each. */
    private static List<Conversation> distinct(int n) {
        var out = new ArrayList<Conversation>();
        for (int i = 0; i < n; i++) {
            out.add(pr("" + (char) ('a' + i / 26) + (char) ('a' + i % 26), "ok"));
        }
        return out;
    }

    @Test
    void everyStageCountsWhatItDrops() {
        var cs = new ArrayList<Conversation>();
        cs.add(pr("ab", "cd"));                  // 8 tokens: <|user|> a b <|end|> <|assistant|> c d <|end|>
        cs.add(pr("ab", "cd"));                  // duplicate
        cs.add(pr("a", "b"));                    // 6 tokens: below min_tokens 7
        cs.add(pr("abcdefghij", "klmnopqrst"));  // 24 tokens: above max_tokens 20
        cs.add(pr("A!", "x"));                   // not in the vocabulary
        cs.addAll(distinct(10));
        SftDataset d = SftDataset.of(loaded(cs), cfg("{\"min_tokens\": 7, \"max_tokens\": 20, \"val_fraction\": 0.2, \"skip_bad_lines\": true}"),
                TEMPLATE, 16);
        SftSummary s = d.summary();
        assertThat(s.read()).isEqualTo(15);
        assertThat(s.duplicates()).isEqualTo(1);
        assertThat(s.tooShort()).isEqualTo(1);
        assertThat(s.tooLong()).isEqualTo(1);
        assertThat(s.notEncodable()).isEqualTo(1);
        // 11 left: round(11 * 0.2) = 2 validate, 9 train; each row trains "ok" + <|end|> or "cd" + <|end|>
        assertThat(s.val()).isEqualTo(2);
        assertThat(s.train()).isEqualTo(9);
        assertThat(s.trainTargets()).isEqualTo(9 * 3);
        assertThat(s.valTargets()).isEqualTo(2 * 3);
        assertThat(s.read()).isEqualTo(s.duplicates() + s.notEncodable() + s.tooShort() + s.tooLong() + s.overCap()
                + s.train() + s.val() + s.untrainableTrain() + s.untrainableVal());
        assertThat(d.train()).hasSize(9).allSatisfy(r -> assertThat(r.blockSize()).isEqualTo(16));
        assertThat(s.summary()).startsWith("mem: read 15 conversations (used 15, skipped 0); dropped 1 duplicates, 1 not encodable");
        // without skip_bad_lines the conversation that cannot be encoded is an error at its line
        assertThatThrownBy(() -> SftDataset.of(loaded(cs), cfg("{}"), TEMPLATE, 16)).isInstanceOf(BadInputException.class)
                .hasMessageStartingWith("mem:5: cannot encode this conversation: character 'A'");
        // dedup off keeps the duplicate
        assertThat(SftDataset.of(loaded(cs), cfg("{\"skip_bad_lines\": true, \"dedup\": false}"), TEMPLATE, 32).summary().duplicates()).isZero();
    }

    /** Which input conversation each row is, by its content. */
    private static List<Integer> indexes(List<SftRow> rows, List<Conversation> cs, int blockSize) {
        var byContent = new HashMap<String, Integer>();
        for (int i = 0; i < cs.size(); i++) {
            byContent.put(Arrays.toString(SftRow.of(TEMPLATE.render(cs.get(i)), blockSize, TEMPLATE.padId()).inputs()), i);
        }
        return rows.stream().map(r -> byContent.get(Arrays.toString(r.inputs()))).toList();
    }

    @Test
    void theSplitIsSeededDisjointCompleteAndInFileOrder() {
        List<Conversation> cs = distinct(100);
        SftDataset a = SftDataset.of(loaded(cs), cfg("{\"split_seed\": 1}"), TEMPLATE, 12);
        SftDataset again = SftDataset.of(loaded(cs), cfg("{\"split_seed\": 1}"), TEMPLATE, 12);
        SftDataset other = SftDataset.of(loaded(cs), cfg("{\"split_seed\": 2}"), TEMPLATE, 12);
        List<Integer> train = indexes(a.train(), cs, 12);
        List<Integer> val = indexes(a.val(), cs, 12);
        assertThat(val).hasSize(10);
        assertThat(train).hasSize(90).doesNotContainAnyElementsOf(val);
        var all = new ArrayList<>(train);
        all.addAll(val);
        assertThat(all).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 100).boxed().toList());
        assertThat(train).isSorted();
        assertThat(val).isSorted();
        assertThat(indexes(again.val(), cs, 12)).isEqualTo(val);
        assertThat(indexes(other.val(), cs, 12)).isNotEqualTo(val);
    }

    @Test
    void maxTrainExamplesCapsTrainingOnly() {
        List<Conversation> cs = distinct(100);
        SftDataset d = SftDataset.of(loaded(cs), cfg("{\"max_train_examples\": 30}"), TEMPLATE, 12);
        assertThat(d.train()).hasSize(30);
        assertThat(d.val()).hasSize(10);
        assertThat(d.summary().overCap()).isEqualTo(60);
        // the validation side is the same as without the cap
        assertThat(indexes(d.val(), cs, 12)).isEqualTo(indexes(SftDataset.of(loaded(cs), cfg("{}"), TEMPLATE, 12).val(), cs, 12));
    }

    @Test
    void truncationIsCountedAndARowWithNothingToTrainIsDropped() {
        int usr = TEMPLATE.tokenizer().specialTokenId(DefaultChatTemplate.USER);
        int ast = TEMPLATE.tokenizer().specialTokenId(DefaultChatTemplate.ASSISTANT);
        int end = TEMPLATE.tokenizer().specialTokenId(DefaultChatTemplate.END);
        int a = 0, b = 1, c = 2, d = 3; // the character ids
        var cs = List.of(pr("ab", "cd"), pr("abcdefgh", "x"));
        SftDataset ds = SftDataset.of(loaded(cs), cfg("{\"val_fraction\": 0}"), TEMPLATE, 6);
        SftSummary s = ds.summary();
        // "ab"/"cd" is 8 tokens > T + 1 = 7: truncated after c, so d is the last target and the final <|end|> is lost
        assertThat(ds.train()).hasSize(1);
        assertThat(ds.train().get(0).inputs()).containsExactly(usr, a, b, end, ast, c);
        assertThat(ds.train().get(0).targets()).containsExactly(X, X, X, X, c, d);
        assertThat(s.truncatedTrain()).isEqualTo(1);
        // the second one's assistant turn starts after position 6: nothing left to train
        assertThat(s.untrainableTrain()).isEqualTo(1);
        assertThat(s.train()).isEqualTo(1);
    }

    @Test
    void validationBatchesCoverEveryHeldOutRowOnceInOrder() {
        List<Conversation> cs = distinct(50);
        SftDataset d = SftDataset.of(loaded(cs), cfg("{}"), TEMPLATE, 10);
        assertThat(d.val()).hasSize(5);
        List<Batch> batches = d.validationBatches(2);
        assertThat(batches).extracting(Batch::batchSize).containsExactly(2, 2, 1);
        var ids = new ArrayList<Integer>();
        batches.forEach(b -> Arrays.stream(b.inputIds()).forEach(ids::add));
        var expected = new ArrayList<Integer>();
        d.val().forEach(r -> Arrays.stream(r.inputs()).forEach(expected::add));
        assertThat(ids).isEqualTo(expected);
        // no text is mixed in: every batch's trained targets are assistant tokens ("ok" and <|end|>)
        assertThat(batches.stream().mapToInt(SftBatches::trainedTargets).sum()).isEqualTo(5 * 3);
        assertThat(SftDataset.of(loaded(cs), cfg("{\"val_fraction\": 0}"), TEMPLATE, 10).validationBatches(4)).isEmpty();
    }

    @Test
    void validationCountRounding() {
        assertThat(SftDataset.valCount(100, 0.1)).isEqualTo(10);
        assertThat(SftDataset.valCount(11, 0.2)).isEqualTo(2);   // 2.2
        assertThat(SftDataset.valCount(5, 0.1)).isEqualTo(1);    // 0.5 rounds up, and at least 1 anyway
        assertThat(SftDataset.valCount(3, 0.01)).isEqualTo(1);   // at least one when the fraction is positive
        assertThat(SftDataset.valCount(2, 0.9)).isEqualTo(1);    // never all
        assertThat(SftDataset.valCount(1, 0.5)).isZero();        // one conversation trains
        assertThat(SftDataset.valCount(100, 0)).isZero();
    }

    @Test
    void loadsJsonlAndTranscriptsFromTheConfig(@TempDir Path dir) throws Exception {
        Path jsonl = dir.resolve("chat.jsonl");
        ConversationWriter.write(jsonl, distinct(20));
        SftDataset d = SftDataset.load(cfg("{\"path\": \"" + jsonl + "\"}"), TEMPLATE, 12);
        assertThat(d.train().size() + d.val().size()).isEqualTo(20);
        assertThat(d.val()).hasSize(2);
        assertThat(d.summary().source()).isEqualTo(jsonl.toString());

        // the opening of tiny Shakespeare as a transcript: three speech pairs
        String text = TestData.excerpt();
        Path play = dir.resolve("play.txt");
        Files.writeString(play, text.substring(0, text.indexOf("We know't, we know't.\n") + 22));
        var shakespeare = new DefaultChatTemplate(CharTokenizer.train(text));
        SftDataset t = SftDataset.load(cfg("{\"path\": \"" + play + "\", \"format\": \"transcript\", \"val_fraction\": 0.34}"),
                shakespeare, 128);
        assertThat(t.summary().read()).isEqualTo(3);
        assertThat(t.train()).hasSize(2);
        assertThat(t.val()).hasSize(1);
    }

    @Test
    void nothingToTrainOnIsBadInput() {
        assertThatThrownBy(() -> SftDataset.load(SftConfig.defaults(), TEMPLATE, 8)).isInstanceOf(BadInputException.class)
                .hasMessageStartingWith("sft.path is not set");
        assertThatThrownBy(() -> SftDataset.of(loaded(List.of(pr("a", "b"))), cfg("{\"min_tokens\": 100}"), TEMPLATE, 8))
                .isInstanceOf(BadInputException.class).hasMessageStartingWith("mem: no conversation is left to train on");
    }
}
