package dev.quill.model;

/** A module that only groups others under a name ({@code transformer}, {@code transformer.h}). */
final class Container extends Module {

    <M extends Module> M add(String name, M m) {
        return child(name, m);
    }
}
