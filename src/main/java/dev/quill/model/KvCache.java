package dev.quill.model;

import dev.quill.autograd.MemoryScope;
import dev.quill.config.ModelConfig;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Keys and values of every layer for the positions seen so far, so that generating one more token costs
 * one position's work instead of the whole context's. Per layer: k and v of shape (B, nh, block_size, hs),
 * allocated once outside any memory scope; {@link #length()} positions are filled.
 *
 * <p>Inference only: the cache holds values, not graph history. When it is full (block_size positions),
 * the generator slides the window: it {@link #clear()}s the cache and feeds the last tokens of the context
 * again, which recomputes their keys and values at their new positions from 0 (how many: the generate
 * package's {@code CachedRunner}).
 */
public final class KvCache {

    private final INDArray[] keys;
    private final INDArray[] values;
    private final int capacity;
    private int length;
    private DecoderWeights weights; // the Java row path's weights: given, or made from the model on first use
    private RowDecoder decoder;     // the Java row path, made on first use
    // the row path's Java copies of the keys and values, [layer][head] -> (block_size * hs), made on first use and
    // kept by reuse(); positions 0 .. rowsValid[layer] - 1 of a layer match the arrays above. The general path
    // appends past them (the row path copies those positions in when it next runs); clear() empties them.
    private final float[][][][] rows;
    private final int[] rowsValid;

    /**
     * Allocates the whole cache: 2 x n_layer arrays of (B, nh, block_size, hs).
     *
     * @param cfg   the model's shape
     * @param batch B, the sequences generated together
     * @param type  the model's type
     */
    public KvCache(ModelConfig cfg, int batch, DataType type) {
        this(cfg, batch, type, null);
    }

    /**
     * Allocates the whole cache, with the weights the Java decoder of one sequence reads (made once per
     * generator and shared by its caches; int8 ones included: see {@link DecoderWeights}).
     *
     * @param cfg     the model's shape
     * @param batch   B, the sequences generated together
     * @param type    the model's type
     * @param weights the decoder's weights, or null to make F32 ones from the model on first use
     */
    public KvCache(ModelConfig cfg, int batch, DataType type, DecoderWeights weights) {
        this.weights = weights;
        this.capacity = cfg.blockSize();
        this.keys = new INDArray[cfg.nLayer()];
        this.values = new INDArray[cfg.nLayer()];
        this.rows = new float[cfg.nLayer()][][][];
        this.rowsValid = new int[cfg.nLayer()];
        for (int i = 0; i < cfg.nLayer(); i++) {
            keys[i] = MemoryScope.outside(() -> Nd4j.zeros(type, batch, cfg.nHead(), capacity, cfg.headSize()));
            values[i] = MemoryScope.outside(() -> Nd4j.zeros(type, batch, cfg.nHead(), capacity, cfg.headSize()));
        }
    }

    private KvCache(KvCache storage, DecoderWeights weights) {
        this.keys = storage.keys;
        this.values = storage.values;
        this.capacity = storage.capacity;
        this.weights = weights;
        this.rows = storage.rows;
        this.rowsValid = new int[storage.rowsValid.length];
    }

    /**
     * An empty cache on this one's arrays (the same model shape and batch), with its own decoder: a generator
     * that runs again takes it instead of allocating and clearing the arrays anew (75 MB at GPT-2 124M, ~0.2 s
     * before the first token on a 2-vCPU VM). This cache must not be used afterwards.
     *
     * @param weights the decoder's weights, or null to make F32 ones from the model on first use (so weights
     *                changed since, by training, are read as they are now)
     * @return the empty cache
     */
    public KvCache reuse(DecoderWeights weights) {
        return new KvCache(this, weights);
    }

    /** {@return the positions filled so far (the next token goes to position {@code length()})} */
    public int length() {
        return length;
    }

    /** {@return the sequences the cache holds (B)} */
    public int batch() {
        return (int) keys[0].size(0);
    }

    /** {@return the most positions the cache holds (block_size)} */
    public int capacity() {
        return capacity;
    }

    /**
     * The Java row decoder for this cache, made on first use (from the model's weights, unless the cache was
     * given some) and kept until the cache is dropped: a cache belongs to one generation with fixed weights
     * (make a new one after training).
     */
    RowDecoder decoder(Gpt model) {
        if (decoder == null) {
            if (weights == null) {
                weights = DecoderWeights.of(model, WeightFormat.F32);
            }
            decoder = new RowDecoder(model.config(), weights);
        }
        return decoder;
    }

    /** Whether {@link #decoder} has been made. */
    boolean hasDecoder() {
        return decoder != null;
    }

    /** The decoder's weights, or null before {@link #decoder} made them. */
    DecoderWeights weights() {
        return weights;
    }

    /** Forgets every position (the memory and the weights' copy are kept). */
    public void clear() {
        length = 0;
        Arrays.fill(rowsValid, 0);
    }

    /**
     * The row path's Java copy of one layer's keys (index 0) and values (index 1), per head, each of
     * block_size * hs floats; made on first use.
     */
    float[][][] rows(int layer) {
        if (rows[layer] == null) {
            int heads = (int) keys[layer].size(1), n = capacity * (int) keys[layer].size(3);
            rows[layer] = new float[][][] {new float[heads][n], new float[heads][n]};
        }
        return rows[layer];
    }

    /** {@return how many positions of {@code layer}, from 0, the Java copy holds as the arrays do} */
    int rowsValid(int layer) {
        return rowsValid[layer];
    }

    /** The Java copy of {@code layer} now matches the arrays for positions 0 .. n - 1. */
    void rowsValid(int layer, int n) {
        rowsValid[layer] = n;
    }

    /**
     * Writes new keys and values (B, nh, t, hs) of one layer at positions length .. length+t-1 and
     * returns views of all filled positions (B, nh, length+t, hs). The length advances once every layer
     * has appended, via {@link #advance(int)}.
     */
    INDArray[] append(int layer, INDArray k, INDArray v) {
        int t = (int) k.size(2);
        if (length + t > capacity) {
            throw new IllegalStateException("KV cache full: " + length + " + " + t + " positions exceed block_size " + capacity);
        }
        var range = NDArrayIndex.interval(length, length + t);
        keys[layer].get(NDArrayIndex.all(), NDArrayIndex.all(), range, NDArrayIndex.all()).assign(k);
        values[layer].get(NDArrayIndex.all(), NDArrayIndex.all(), range, NDArrayIndex.all()).assign(v);
        var filled = NDArrayIndex.interval(0, length + t);
        return new INDArray[] {
            keys[layer].get(NDArrayIndex.all(), NDArrayIndex.all(), filled, NDArrayIndex.all()),
            values[layer].get(NDArrayIndex.all(), NDArrayIndex.all(), filled, NDArrayIndex.all())
        };
    }

    INDArray keys(int layer) {
        return keys[layer];
    }

    INDArray values(int layer) {
        return values[layer];
    }

    void advance(int t) {
        length += t;
    }
}
