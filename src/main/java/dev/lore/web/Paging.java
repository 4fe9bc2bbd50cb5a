package dev.lore.web;

/**
 * The checks of a list endpoint's paging parameters, alike on every endpoint: a value out of range is a 400 problem
 * that names the parameter, the range and the value.
 */
public final class Paging {

    /** The most rows a list endpoint returns at once where no setting says otherwise. */
    public static final int MAX_LIMIT = 1000;

    private Paging() {
    }

    /** {@code value} of the count parameter {@code name} ("limit", "k"), when it lies in [1, {@link #MAX_LIMIT}]. */
    public static int limit(String name, int value) {
        return limit(name, value, MAX_LIMIT, null);
    }

    /**
     * {@code value} of the count parameter {@code name}, when it lies in [1, {@code max}]; {@code setting}, where not
     * null, is the property that sets {@code max}, named in the problem.
     */
    public static int limit(String name, int value, int max, String setting) {
        if (value < 1 || value > max) {
            throw LoreException.invalid(name + " must be between 1 and " + max
                    + (setting == null ? "" : " (" + setting + ")") + ", was " + value);
        }
        return value;
    }

    /** {@code value} of the position parameter {@code name} ("from"), when it is 0 or more. */
    public static long position(String name, long value) {
        if (value < 0) {
            throw LoreException.invalid(name + " must be 0 or more, was " + value);
        }
        return value;
    }

    /** {@code value} of the position parameter {@code name} ("offset"), when it lies in [0, {@code max}]. */
    public static long position(String name, long value, long max) {
        if (value < 0 || value > max) {
            throw LoreException.invalid(name + " must be between 0 and " + max + ", was " + value);
        }
        return value;
    }
}
