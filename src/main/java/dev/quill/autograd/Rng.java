package dev.quill.autograd;

/**
 * The one source of randomness in Quill (weight init, dropout masks, batch order, sampling), so a seed
 * fixes every draw and the whole state is one {@code long} that a checkpoint can save and restore.
 *
 * <p>The generator is SplitMix64 (Steele, Lea and Flood, 2014): the state advances by a fixed odd
 * constant and each output is the state passed through a bit mixer. It is fast, has period 2^64 and
 * passes BigCrush; it is not for cryptography.
 */
public final class Rng {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private long state;

    /** @param seed the initial state; equal seeds give equal streams */
    public Rng(long seed) {
        this.state = seed;
    }

    /** {@return the whole state: {@code new Rng(0).restore(r.state())} continues exactly where r is} */
    public long state() {
        return state;
    }

    /**
     * Continues from a state saved with {@link #state()}.
     *
     * @param savedState a value {@link #state()} returned
     * @return this generator
     */
    public Rng restore(long savedState) {
        this.state = savedState;
        return this;
    }

    /** {@return 64 uniformly random bits} */
    public long nextLong() {
        return mix(state += GOLDEN_GAMMA);
    }

    /** {@return a uniform double in [0, 1), with 53 random bits} */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /**
     * Reserves the next n draws for work that makes them out of order, in pieces on several threads: the
     * generator moves past them at once, and draw i of the block (0-based) is {@link #uniformAt(long, long)
     * uniformAt(start, i)}, the value the i-th {@link #nextDouble()} would have returned. (SplitMix64's i-th
     * output is a function of the state and i alone, so any piece can start anywhere.)
     *
     * @param n how many draws to reserve
     * @return the block's start, for {@link #uniformAt}
     */
    public long reserve(long n) {
        long start = state;
        state += n * GOLDEN_GAMMA;
        return start;
    }

    /**
     * Moves the stream n draws on, as n calls of {@link #nextLong()} would, in one step (data-parallel ranks
     * use it to draw apart from rank 0's stream: SplitMix64's state just adds a constant per draw).
     *
     * @param n how many draws to skip
     * @return this generator
     */
    public Rng skip(long n) {
        state += n * GOLDEN_GAMMA;
        return this;
    }

    /**
     * @param start a value {@link #reserve} returned
     * @param i     the draw's index within that block
     * @return the i-th uniform double in [0, 1) of the block
     */
    public static double uniformAt(long start, long i) {
        return (mix(start + (i + 1) * GOLDEN_GAMMA) >>> 11) * 0x1.0p-53;
    }

    /** SplitMix64's output function: a bijective mix of the 64 state bits. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * @param bound the exclusive upper bound, positive
     * @return a uniform integer in [0, bound), without modulo bias
     * @throws IllegalArgumentException when {@code bound} is not positive
     */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("nextInt: bound must be positive, got " + bound);
        }
        while (true) {
            long r = nextLong() >>> 1; // 63 bits, never negative
            long m = r % bound;
            if (r - m + (bound - 1) >= 0) { // reject the last, partial block of size bound (overflow test)
                return (int) m;
            }
        }
    }

    /**
     * @param bound the exclusive upper bound, positive
     * @return a uniform long in [0, bound): the last partial block of 63-bit values is rejected, so none is favoured
     * @throws IllegalArgumentException when {@code bound} is not positive
     */
    public long nextLong(long bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("nextLong: bound must be positive, got " + bound);
        }
        long limit = Long.MAX_VALUE - (Long.MAX_VALUE % bound); // a multiple of bound
        while (true) {
            long r = nextLong() >>> 1;
            if (r < limit) {
                return r % bound;
            }
        }
    }

    /** {@return a standard normal draw, by Box-Muller: sqrt(-2 ln u1) * cos(2 pi u2), with u1 in (0, 1]} */
    public double nextGaussian() {
        double u1 = 1.0 - nextDouble();
        double u2 = nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    /**
     * {@return a new generator whose stream is independent of this one's (for a sub-task such as a data
     * loader); it advances this one by one draw}
     */
    public Rng split() {
        return new Rng(nextLong());
    }
}
