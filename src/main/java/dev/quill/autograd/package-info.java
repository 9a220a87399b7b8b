/**
 * Phase 1: reverse-mode automatic differentiation over ND4J arrays.
 *
 * <p>Open {@link dev.quill.autograd.Tensor} first. A tensor holds a value (an ND4J {@code INDArray}), and
 * after {@code loss.backward()} the gradient of the loss with respect to that value. Every op that makes a
 * tensor is a small {@link dev.quill.autograd.Function} subclass with its forward (a static
 * {@code apply}) and its backward side by side, the local derivative written once in a comment above the
 * line that computes it. {@code backward()} orders the graph topologically and calls each op's backward
 * once, from the loss back to the leaves; gradients always accumulate, so a tensor used twice gets the
 * sum. This is the chain rule organised as in Griewank and Walther, "Evaluating Derivatives" (2008), and
 * as in PyTorch's autograd and Karpathy's micrograd, on arrays instead of scalars.
 *
 * <p>The ops: elementwise arithmetic with NumPy broadcasting ({@code Add}, {@code Sub}, {@code Mul},
 * {@code Div}, whose backward sums over broadcast axes, see {@link dev.quill.autograd.Shapes#sumTo}),
 * scalar ops and powers, {@code MatMul} (2-D, batched, and N-D times a matrix, with transpose flags so no
 * transposed copy is made), {@code Permute}, {@code Reshape}, {@code Slice}/split, {@code Concat},
 * {@code Sum}/mean, {@code Exp}, {@code Log}, {@code Tanh}, {@code Gelu} (exact and tanh forms),
 * {@code Softmax}, {@code LogSoftmax}, {@code CausalMask}, {@code Dropout}, {@code Embedding} and a fused
 * {@code CrossEntropy}. {@link dev.quill.autograd.GradCheck} checks any of them against central finite
 * differences in double precision. {@link dev.quill.autograd.TensorOps} lists them as tensor methods;
 * {@code Backward} runs the pass and {@code Gradient} holds the accumulation rules.
 *
 * <p>The plain path first: each op's file opens with its math and a forward and backward in ND4J ops. The
 * hot ops also have a fast CPU version in a class of their own beside them ({@code GeluKernel},
 * {@code LayerNormKernel}, {@code RmsNormKernel}, {@code CrossEntropyKernel}, {@code MatMulKernel},
 * {@code AttentionKernel}, and {@code VectorAttention} with the JDK's Vector API): Java loops over ND4J's
 * host buffers, float chunks the JIT vectorizes, work split over Quill's threads. They stay in this package
 * so that they can share the ops' package-private helpers without widening the public API.
 * {@link dev.quill.autograd.Kernels} is the one switch between the two, and the tests hold each kernel
 * equal to its plain path.
 *
 * <p>Memory: ND4J arrays live in native memory that only the Java GC releases, so a training loop must
 * give its intermediates an owner. {@link dev.quill.autograd.MemoryScope} is that owner (an ND4J workspace
 * reused step after step); parameters, gradients and optimizer state live outside it. Randomness comes
 * from {@link dev.quill.autograd.Rng}, whose whole state is one {@code long}, so a seed fixes every draw
 * and a checkpoint can resume exactly. {@link dev.quill.autograd.GradMode#off()} turns recording off for
 * inference.
 *
 * <p>Shapes in comments: B batch, T time (sequence position), C channels, nh heads, hs head size
 * (C = nh * hs), V vocabulary.
 */
package dev.quill.autograd;
