package dev.quill.autograd;

/**
 * Whether ops record the graph for {@link Tensor#backward()}. On by default; inference turns it off
 * for a region so nothing is recorded and no intermediate is kept alive:
 *
 * <pre>{@code
 * try (var g = GradMode.off()) {
 *     Tensor logits = model.forward(idx);   // records nothing
 * }
 * }</pre>
 *
 * The mode is per thread, and regions nest: closing restores the mode that was in force before.
 */
public final class GradMode implements AutoCloseable {

    private static final ThreadLocal<Boolean> ENABLED = ThreadLocal.withInitial(() -> Boolean.TRUE);

    private final boolean previous;

    private GradMode(boolean enabled) {
        this.previous = ENABLED.get();
        ENABLED.set(enabled);
    }

    /** {@return a region, to close, in which ops on this thread record nothing} */
    public static GradMode off() {
        return new GradMode(false);
    }

    /**
     * {@return a region, to close, in which ops on this thread record the graph (the default), e.g. inside
     * an {@link #off()} region}
     */
    public static GradMode on() {
        return new GradMode(true);
    }

    /** {@return true when ops on this thread record the graph} */
    public static boolean isEnabled() {
        return ENABLED.get();
    }

    @Override
    public void close() {
        ENABLED.set(previous);
    }
}
