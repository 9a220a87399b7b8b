package dev.quill.data.sft;

import dev.quill.autograd.Rng;
import dev.quill.config.BadInputException;
import dev.quill.config.SftConfig;
import dev.quill.data.Batch;
import dev.quill.data.Corpora;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * A fine-tuning set ready to train on: conversations read, cleaned, split and turned into rows of
 * {@code T} positions. The stages, each counted in the {@link SftSummary}:
 * <ol>
 *   <li>read: JSONL through {@link ConversationReader}, or a transcript through {@link ConversationExtractor};</li>
 *   <li>dedup: drop exact duplicate conversations, keeping the first ({@code dedup});</li>
 *   <li>encode: render with the template (a conversation the tokenizer cannot encode fails, or with
 *       {@code skip_bad_lines} is counted and dropped);</li>
 *   <li>length filters on the rendered token count ({@code min_tokens}, {@code max_tokens});</li>
 *   <li>split: a shuffle seeded with {@code split_seed} puts {@code round(n * val_fraction)}
 *       conversations (at least 1 when the fraction is positive, never all of them) in validation;</li>
 *   <li>cap: the first {@code max_train_examples} of the shuffled training side are kept;</li>
 *   <li>rows: {@link SftRow#of} pads or truncates each to {@code T} positions; a row left with no
 *       trained target by truncation is dropped and counted.</li>
 * </ol>
 * Both sides keep file order. Dedup and the filters run before the split, so a duplicate cannot sit on
 * both sides and the split does not depend on what the filters would remove.
 */
public final class SftDataset {

    private static final Logger LOG = LoggerFactory.getLogger(SftDataset.class);

    private final ChatTemplate template;
    private final int blockSize;
    private final List<SftRow> train;
    private final List<SftRow> val;
    private final SftSummary summary;

    private SftDataset(ChatTemplate template, int blockSize, List<SftRow> train, List<SftRow> val, SftSummary summary) {
        this.template = template;
        this.blockSize = blockSize;
        this.train = List.copyOf(train);
        this.val = List.copyOf(val);
        this.summary = summary;
    }

    /**
     * Reads {@code config.path()} in {@code config.format()} and prepares it.
     *
     * @param config    the {@code sft} section
     * @param template  the chat template (its tokenizer encodes the messages)
     * @param blockSize T, the model's context length
     * @return the dataset
     * @throws BadInputException if the path is unset or unreadable, a line is bad (unless skipped), or
     *                           nothing is left to train on
     */
    public static SftDataset load(SftConfig config, ChatTemplate template, int blockSize) {
        if (config.path() == null) {
            throw new BadInputException("sft.path is not set: give a JSONL file of conversations or a transcript");
        }
        Path file = Path.of(config.path());
        LoadedConversations loaded = config.format().equals("transcript")
                ? ConversationExtractor.of(config).extract(Corpora.readText(file), file.toString())
                : ConversationReader.read(file, config.format(), config.skipBadLines());
        return of(loaded, config, template, blockSize);
    }

    /**
     * Prepares conversations already read.
     *
     * @param loaded    the conversations and their line numbers
     * @param config    the {@code sft} section (its path and format are not used)
     * @param template  the chat template
     * @param blockSize T
     * @return the dataset
     * @throws BadInputException if a conversation cannot be encoded (unless skipping) or nothing is left
     */
    public static SftDataset of(LoadedConversations loaded, SftConfig config, ChatTemplate template, int blockSize) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size must be positive, not " + blockSize);
        }
        List<Conversation> all = loaded.conversations();
        int duplicates = 0;
        int notEncodable = 0;
        int tooShort = 0;
        int tooLong = 0;
        var seen = new HashSet<Conversation>();
        var kept = new ArrayList<RenderedChat>();
        for (int i = 0; i < all.size(); i++) {
            if (config.dedup() && !seen.add(all.get(i))) {
                duplicates++;
                continue;
            }
            RenderedChat chat;
            try {
                chat = template.render(all.get(i));
            } catch (BadInputException e) {
                if (!config.skipBadLines()) {
                    throw new BadInputException(loaded.where(i) + ": cannot encode this conversation: " + e.getMessage(), e);
                }
                notEncodable++;
                continue;
            }
            if (chat.length() < config.minTokens()) {
                tooShort++;
            } else if (config.maxTokens() > 0 && chat.length() > config.maxTokens()) {
                tooLong++;
            } else {
                kept.add(chat);
            }
        }
        int n = kept.size();
        if (n == 0) {
            throw new BadInputException(loaded.source() + ": no conversation is left to train on (read " + all.size()
                    + ", " + loaded.skips().summary() + "; " + duplicates + " duplicates, " + notEncodable
                    + " not encodable, " + tooShort + " too short, " + tooLong + " too long)");
        }
        int[] order = shuffled(n, config.splitSeed());
        int nVal = valCount(n, config.valFraction());
        int nTrain = n - nVal;
        int overCap = config.maxTrainExamples() > 0 ? Math.max(0, nTrain - config.maxTrainExamples()) : 0;
        boolean[] isVal = new boolean[n];
        boolean[] isTrain = new boolean[n];
        for (int j = 0; j < n; j++) {
            if (j < nVal) {
                isVal[order[j]] = true;
            } else if (j < n - overCap) {
                isTrain[order[j]] = true;
            }
        }
        var train = new Side(blockSize, template.padId());
        var val = new Side(blockSize, template.padId());
        for (int i = 0; i < n; i++) { // file order on both sides
            if (isTrain[i]) {
                train.add(kept.get(i));
            } else if (isVal[i]) {
                val.add(kept.get(i));
            }
        }
        if (train.rows.isEmpty()) {
            throw new BadInputException(loaded.source() + ": truncation to block_size + 1 = " + (blockSize + 1)
                    + " tokens left no training conversation with an assistant token; use a larger block_size or shorter conversations");
        }
        var summary = new SftSummary(loaded.source(), all.size(), loaded.skips(), duplicates, notEncodable, tooShort,
                tooLong, overCap, train.rows.size(), val.rows.size(), train.truncated, val.truncated, train.untrainable,
                val.untrainable, train.targets, val.targets);
        LOG.info("sft {}", summary.summary());
        return new SftDataset(template, blockSize, train.rows, val.rows, summary);
    }

    /** Rows of one side of the split, with their counts. */
    private static final class Side {
        final int blockSize;
        final int padId;
        final List<SftRow> rows = new ArrayList<>();
        int truncated;
        int untrainable;
        long targets;

        Side(int blockSize, int padId) {
            this.blockSize = blockSize;
            this.padId = padId;
        }

        void add(RenderedChat chat) {
            SftRow row = SftRow.of(chat, blockSize, padId);
            int trained = row.trainedCount();
            if (trained == 0) {
                untrainable++;
                return;
            }
            truncated += row.truncated() ? 1 : 0;
            targets += trained;
            rows.add(row);
        }
    }

    /** round(n * fraction), at least 1 when the fraction is positive, and never all n. */
    static int valCount(int n, double fraction) {
        if (fraction <= 0 || n < 2) {
            return 0;
        }
        return (int) Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
    }

    /** 0 .. n-1 in an order fixed by {@code seed} (Fisher-Yates). */
    static int[] shuffled(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Rng rng = new Rng(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /**
     * The template the rows were rendered with.
     *
     * @return the template
     */
    public ChatTemplate template() {
        return template;
    }

    /**
     * T, the positions per row.
     *
     * @return the block size
     */
    public int blockSize() {
        return blockSize;
    }

    /**
     * Training rows, in file order.
     *
     * @return the rows (unmodifiable)
     */
    public List<SftRow> train() {
        return train;
    }

    /**
     * Validation rows, in file order.
     *
     * @return the rows (unmodifiable)
     */
    public List<SftRow> val() {
        return val;
    }

    /**
     * What each stage kept and dropped.
     *
     * @return the summary
     */
    public SftSummary summary() {
        return summary;
    }

    /**
     * Every validation row once, in order, {@code batchSize} rows a batch (the last batch may be smaller),
     * with no plain text mixed in. The loss of a batch is the mean over its trained targets, i.e. over
     * assistant tokens only; to average over batches, weight each by {@link SftBatches#trainedTargets}.
     *
     * @param batchSize rows per batch
     * @return the batches, empty when nothing was held out
     */
    public List<Batch> validationBatches(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, not " + batchSize);
        }
        var batches = new ArrayList<Batch>();
        for (int from = 0; from < val.size(); from += batchSize) {
            batches.add(SftRow.toBatch(val.subList(from, Math.min(val.size(), from + batchSize))));
        }
        return batches;
    }
}
