package io.tandem.engine.cli;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Installs handlers for SIGTERM and SIGINT so that {@code tandem run} can stop cleanly (flush
 * verdicts, unbind the queue) and exit 0, as a service manager expects, instead of the JVM's
 * default exit status 143/130.
 *
 * <p>Uses {@code sun.misc.Signal} from the {@code jdk.unsupported} module through reflection, which
 * is available on every HotSpot JDK from 8 to 25 and keeps the build free of internal-API warnings.
 * If it is missing, the caller falls back to a shutdown hook.
 */
final class SignalHandlers {
    private SignalHandlers() {
    }

    /**
     * Runs {@code action} on a JVM signal thread when any of the named signals arrives.
     *
     * @return false when signal handling is not available on this JVM, or a signal is ignored by the
     *     process (then the JVM installs no handler for it; see {@code SignalDisposition})
     */
    static boolean install(final Runnable action, final String... signals) {
        try {
            final Class<?> signalClass = Class.forName("sun.misc.Signal");
            final Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            final InvocationHandler invocation = (final Object proxy, final Method method, final Object[] args) -> {
                if ("handle".equals(method.getName())) {
                    action.run();
                    return null;
                }
                if ("toString".equals(method.getName())) {
                    return "tandem-signal-handler";
                }
                if ("hashCode".equals(method.getName())) {
                    return System.identityHashCode(proxy);
                }
                if ("equals".equals(method.getName())) {
                    return proxy == args[0];
                }
                return null;
            };
            final Object handler = Proxy.newProxyInstance(
                    SignalHandlers.class.getClassLoader(), new Class<?>[] {handlerClass}, invocation);
            final Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            final Object ignored = handlerClass.getField("SIG_IGN").get(null);
            boolean installed = true;
            for (final String name : signals) {
                final Object signal = signalClass.getConstructor(String.class).newInstance(name);
                // A signal the process ignores: the JVM answers SIG_IGN and installs nothing.
                installed &= handle.invoke(null, signal, handler) != ignored;
            }
            return installed;
        } catch (final ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
