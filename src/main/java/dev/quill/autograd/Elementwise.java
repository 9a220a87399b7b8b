package dev.quill.autograd;

/** Checks shared by the binary elementwise ops. */
final class Elementwise {

    private Elementwise() {
    }

    /** Same data type, and shapes that broadcast; the message names the op and both shapes. */
    static void check(String op, Tensor a, Tensor b) {
        if (a.dataType() != b.dataType()) {
            throw new IllegalArgumentException(op + ": data types differ: " + a.dataType() + " and " + b.dataType());
        }
        Shapes.broadcast(op, a.shape(), b.shape());
    }
}
