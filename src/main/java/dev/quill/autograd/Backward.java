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
 * are what the backward reads. The backward itself runs outside every scope, and each array it makes is
 * freed as soon as nothing needs it: a tensor's gradient once its op has used it (and no other gradient
 * shares its buffer), an op's temporary when the op is done with it ({@link GradientBuffers}). So a step's
 * peak is its activations plus the backward's working set, as in PyTorch, not every array of the step.
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
        // Detached from every scope: each array made from here on is freed once used (GradientBuffers).
        try (MemoryWorkspace detached = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            GradientBuffers.begin();
            root.gradient().add(seed, true);
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor t = order.get(i);
                Gradient g = t.gradient();
                if (t.creator() == null || g.array() == null) {
                    continue;
                }
                t.creator().backward(g.array());
                if (!t.retainsGrad() && t != root) {
                    g.forget(); // an intermediate's gradient is not needed once its op has used it: freed
                } else {
                    g.markShared(); // kept, and the op may have passed it on to its inputs unchanged
                }
            }
        } finally {
            GradientBuffers.end();
        }
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
