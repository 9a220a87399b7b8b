package dev.quill.data.sft;

import dev.quill.config.SftConfig;
import dev.quill.data.Corpora;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A small instruction set made from tiny Shakespeare, so the whole fine-tuning path can be tried on the
 * character model it pre-trains. Two tasks, half the examples each:
 * <pre>
 *   user: "Who speaks: Indeed I would be consul."                   assistant: "CORIOLANUS"
 *   user: "Next line after: No news so bad abroad as this at home;"  assistant: "The King is sickly, weak and melancholy,"
 * </pre>
 * Lines come from the speeches that {@link ConversationExtractor} finds with the default speaker pattern;
 * "next line" pairs stay within one speech. Every example fits a 128-token window of a character
 * tokenizer: its rendering (each character one token, plus four marker tokens) is at most
 * {@value #MAX_TOKENS} tokens. Who-speaks lines have at least {@value #MIN_LINE_CHARS} characters, so "Ay."
 * is not a question. The candidates of each task are shuffled with the seed and the first ones taken, so
 * the set is a function of the text, the count and the seed, with no line asked twice in one task.
 */
public final class ShakespeareInstructions {

    /** The user's text before a line, for the who-speaks task. */
    public static final String WHO_SPEAKS = "Who speaks: ";
    /** The user's text before a line, for the next-line task. */
    public static final String NEXT_LINE = "Next line after: ";
    /** The longest rendering, in character-tokenizer tokens, markers included. */
    public static final int MAX_TOKENS = 128;
    /** The shortest line a who-speaks question asks about. */
    public static final int MIN_LINE_CHARS = 20;
    /** Where {@link #main} writes, relative to the repository root. */
    public static final Path DEFAULT_FILE = Path.of("examples", "sft", "shakespeare-sft.jsonl");

    private static final Logger LOG = LoggerFactory.getLogger(ShakespeareInstructions.class);
    private static final int MARKERS = 4; // <|user|> <|end|> <|assistant|> <|end|>

    private ShakespeareInstructions() {
    }

    /**
     * Makes {@code count} examples from a play text (fewer if it has too few candidates).
     *
     * @param text  tiny Shakespeare, or any text in its format
     * @param count examples wanted; the first {@code (count + 1) / 2} ask who speaks, the rest ask for
     *              the next line
     * @param seed  fixes which lines are asked about
     * @return the conversations
     */
    public static List<Conversation> generate(String text, int count, long seed) {
        var extractor = new ConversationExtractor(Map.of("user", List.of(SftConfig.SHAKESPEARE_SPEAKER)), true, true, true, 1);
        var who = new ArrayList<Conversation>();
        var next = new ArrayList<Conversation>();
        for (ConversationExtractor.Turn turn : extractor.turns(text)) {
            String speaker = turn.speaker().substring(0, turn.speaker().length() - 1); // drop the colon
            List<String> lines = turn.content().lines().filter(l -> !l.isBlank()).toList();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.length() >= MIN_LINE_CHARS && fits(WHO_SPEAKS + line, speaker)) {
                    who.add(Conversation.promptResponse(null, WHO_SPEAKS + line, speaker));
                }
                if (i + 1 < lines.size() && fits(NEXT_LINE + line, lines.get(i + 1))) {
                    next.add(Conversation.promptResponse(null, NEXT_LINE + line, lines.get(i + 1)));
                }
            }
        }
        var out = new ArrayList<Conversation>(count);
        out.addAll(firstShuffled(who, (count + 1) / 2, seed));
        out.addAll(firstShuffled(next, count / 2, seed + 1));
        return out;
    }

    private static boolean fits(String prompt, String answer) {
        return prompt.codePointCount(0, prompt.length()) + answer.codePointCount(0, answer.length()) + MARKERS <= MAX_TOKENS;
    }

    /** The first {@code k} of the distinct candidates, in an order shuffled by {@code seed}. */
    private static List<Conversation> firstShuffled(List<Conversation> candidates, int k, long seed) {
        List<Conversation> distinct = List.copyOf(new java.util.LinkedHashSet<>(candidates));
        int[] order = SftDataset.shuffled(distinct.size(), seed);
        var out = new ArrayList<Conversation>(k);
        for (int i = 0; i < Math.min(k, order.length); i++) {
            out.add(distinct.get(order[i]));
        }
        return out;
    }

    /**
     * Writes {@code examples/sft/shakespeare-sft.jsonl} (or {@code args[0]}) with 2,000 examples (or
     * {@code args[1]}) from seed 1337 (or {@code args[2]}), reading tiny Shakespeare from the data folder.
     * Run from the repository root, after
     * {@code mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt}:
     * {@code java -cp "$(cat target/classpath.txt):target/classes:target/test-classes" dev.quill.data.sft.ShakespeareInstructions}.
     *
     * @param args optional: output file, count, seed
     */
    public static void main(String[] args) {
        Path file = args.length > 0 ? Path.of(args[0]) : DEFAULT_FILE;
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 1337;
        List<Conversation> examples = generate(Corpora.tinyShakespeare(), count, seed);
        ConversationWriter.write(file, examples);
        LOG.info("wrote {} instruction examples to {}", examples.size(), file);
    }
}
