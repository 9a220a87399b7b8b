package dev.quill.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The backward pass: the chain rule run over the graph once, from the loss back to the leaves.
 * <pre>
 *   order = the tensors the loss depends on, each after the tensors it was made from (topological order)
 *   grad(loss) = seed
 *   for t in reversed(order): t.creator.backward(grad(t))    adds into grad(each input of t)
 * </pre>
 * In reverse topological order every tensor has received the gradient of all its uses before its own op runs,
 * so each op's backward runs once. Only tensors that require a gradient are visited.
 *
 * <p>Memory: the forward's arrays live in the step's {@link MemoryScope}, which frees them at its close; they
 * are what the backward reads. A big pass (its graph's values take at least {@code quill.backward.free.mb} MB,
 * default 1024; 0 = every pass) runs outside every scope, and each array it makes is freed as soon as nothing
 * needs it: a tensor's gradient once its op has used it (and no other gradient shares its buffer), an op's
 * temporary when the op is done with it ({@link GradientBuffers}). So a step's peak is its activations plus
 * the backward's working set, as in PyTorch, not every array of the step. One more call makes that true of
 * resident memory: the C allocator keeps freed blocks, and where the next pass cannot reuse them they add up
 * (6x384 at 64 sequences: a peak of 9,088 MB after four passes instead of 5,894 MB), so such a pass ends with
 * {@code malloc_trim}, which hands the free pages back to the system ({@link HeapTrim} says when). A small
 * pass (the baby model's, a gradient check's) stays in the scope's arena, where an allocation is a pointer
 * bump and the memory is reused from step to step: freeing early would save little and cost allocator calls.
 * The threshold sits where the cost shows: the 6x384 recipe's micro-batch of 8 sequences (a ~600 MB graph)
 * took 12.6 s a step freeing early against 8.2 s in the arena (fresh pages for every array of every pass),
 * while 64 sequences at once need the freeing to fit (5.9 GB).
 */
final class Backward {

    private Backward() {
    }

    /**
     * Back-propagates from {@code root}: {@code seed} = dL/d(root), an array the root may keep as its gradient.
     *
     * @throws IllegalStateException    when nothing {@code root} depends on requires a gradient
     * @throws IllegalArgumentException when {@code seed}'s shape differs from the root's
     */
    static void run(Tensor root, INDArray seed) {
        INDArray v = root.value();
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward(): this tensor does not depend on anything that requires a gradient");
        }
        if (!java.util.Arrays.equals(seed.shape(), v.shape())) {
            throw new IllegalArgumentException("backward(): seed shape " + Shapes.str(seed.shape())
                    + " differs from the tensor's shape " + Shapes.str(v.shape()));
        }
        List<Tensor> order = topologicalOrder(root);
        if (valueBytes(order) < MemoryScope.bigPassBytes()) {
            propagate(root, seed, order);
            return;
        }
        try (MemoryWorkspace detached = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            GradientBuffers.begin();
            propagate(root, seed, order);
        } finally {
            if (GradientBuffers.end() > 0) {
                HeapTrim.afterBigPass(); // malloc_trim(0) when the pass took new memory
            }
        }
    }

    /** The chain rule over {@code order}, from its end: each op's backward once, each used gradient let go of. */
    private static void propagate(Tensor root, INDArray seed, List<Tensor> order) {
        Throwable failed = null;
        try {
            root.gradient().add(seed, true);
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor t = order.get(i);
                Gradient g = t.gradient();
                if (t.creator() == null || g.array() == null) {
                    continue;
                }
                boolean consumed = !t.retainsGrad() && t != root;   // let go of after its op has used it
                t.creator().runBackward(g.array(), consumed && g.exclusive());
                if (consumed) {
                    g.forget(); // an intermediate's gradient is not needed once its op has used it
                } else {
                    g.markShared(); // kept, and the op may have passed it on to its inputs unchanged
                }
            }
        } catch (RuntimeException | Error e) {
            failed = e;
            throw e;
        } finally {
            try {
                Parallel.awaitLater(); // the weight gradients' products still running (Function#accumulateProductLater)
            } catch (RuntimeException | Error e) {
                if (failed == null) {
                    throw e;
                }
                failed.addSuppressed(e);  // the pass's own failure comes first
            }
        }
    }

    /** {@return the bytes of the values in {@code order}: about what the forward kept} */
    private static long valueBytes(List<Tensor> order) {
        long bytes = 0;
        for (Tensor t : order) {
            INDArray a = t.array();
            bytes += a.length() * a.dataType().width();
        }
        return bytes;
    }

    /** Tensors reachable from root, inputs before the ops that use them (iterative post-order DFS). */
    static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Tensor> stack = new ArrayDeque<>();
        Deque<Integer> next = new ArrayDeque<>();
        stack.push(root);
        next.push(0);
        seen.add(root);
        while (!stack.isEmpty()) {
            Tensor t = stack.peek();
            int i = next.pop();
            Tensor[] inputs = t.creator() == null ? new Tensor[0] : t.creator().inputs();
            if (i < inputs.length) {
                next.push(i + 1);
                Tensor in = inputs[i];
                if (in.requiresGrad() && seen.add(in)) {
                    stack.push(in);
                    next.push(0);
                }
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return order;
    }
}
