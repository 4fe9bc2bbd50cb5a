package dev.lore.security;

import java.util.Set;
import java.util.regex.Pattern;

/** Who is calling: the administrator, or a key limited to some collections and permissions. */
public record Caller(String keyId, String name, boolean admin, Set<String> collections, Set<Permission> permissions) {

    public static final String ALL_COLLECTIONS = "*";

    /** What a collection's name may be: the rule {@code documents.Collections} enforces when creating one. */
    public static final Pattern COLLECTION_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    public Caller {
        collections = Set.copyOf(collections);
        permissions = Set.copyOf(permissions);
    }

    /** The caller when security is switched off by configuration. */
    public static Caller unrestricted() {
        return new Caller("anonymous", "security disabled", true, Set.of(), Set.of());
    }

    public boolean canRead(String collection) {
        return may(Permission.READ, collection);
    }

    public boolean canWrite(String collection) {
        return may(Permission.WRITE, collection);
    }

    /**
     * Whether the caller may learn that a collection exists: reading or writing it reveals it. {@code agents} is not
     * a permission on collections (agents and simulations use none), so it reveals nothing.
     */
    public boolean canSee(String collection) {
        return admin || (coversCollection(collection)
                && (permissions.contains(Permission.READ) || permissions.contains(Permission.WRITE)));
    }

    public boolean may(Permission permission, String collection) {
        return admin || (coversCollection(collection) && permissions.contains(permission));
    }

    private boolean coversCollection(String collection) {
        return collections.contains(ALL_COLLECTIONS) || collections.contains(collection);
    }
}
