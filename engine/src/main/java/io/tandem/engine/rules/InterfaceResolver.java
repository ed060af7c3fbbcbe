package io.tandem.engine.rules;

/**
 * Maps an interface name to its kernel ifindex when a ruleset is compiled ({@code if_nametoindex}).
 * Returns 0 when the interface does not exist; a rule bound to such an interface never matches.
 */
@FunctionalInterface
public interface InterfaceResolver {
    /** Resolver for tests and dry runs: knows no interface. */
    InterfaceResolver NONE = name -> 0;

    int ifindex(String name);
}
