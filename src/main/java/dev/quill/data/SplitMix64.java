package dev.quill.data;

/**
 * A tiny random generator whose whole state is one {@code long}, so a sampler can save it in a
 * checkpoint and resume the exact same stream (Java's own generators hide their state).
 *
 * <p>SplitMix64 (Steele, Lea and Flood 2014): the state advances by the odd constant
 * {@code 0x9E3779B97F4A7C15} (2^64 / golden ratio) and each output is that state through a 64-bit
 * mixing function. Statistically good enough for picking training windows; not for cryptography.
 */
public final class SplitMix64 {

    private long state;

    /** A generator whose first output depends only on {@code seed}. */
    public SplitMix64(long seed) {
        this.state = seed;
    }

    /** The state: {@code new SplitMix64(state())} continues exactly where this one is. */
    public long state() {
        return state;
    }

    /** The next 64 random bits. */
    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Uniform in {@code [0, bound)}: rejection sampling on 63 random bits, so no value is favoured
     * (plain {@code % bound} would favour small values slightly).
     */
    public long nextLong(long bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive: " + bound);
        }
        long limit = Long.MAX_VALUE - (Long.MAX_VALUE % bound); // largest multiple of bound <= 2^63 - 1
        while (true) {
            long r = nextLong() >>> 1;
            if (r < limit) {
                return r % bound;
            }
        }
    }
}
