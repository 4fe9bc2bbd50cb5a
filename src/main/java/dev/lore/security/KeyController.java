package dev.lore.security;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Size;

import org.springframework.http.HttpStatus;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.lore.web.LoreException;

/** Administrators mint, list and revoke narrower keys. */
@RestController
@Tag(name = "Keys")
@Validated
@RequestMapping("/api/v1/keys")
class KeyController {

    private final ApiKeys keys;

    KeyController(ApiKeys keys) {
        this.keys = keys;
    }

    record CreateKey(@NotBlank @Size(max = 200) String name, @NotEmpty List<@NotBlank String> collections,
            @NotEmpty List<@NotBlank String> permissions) {
    }

    /** {@code unknownCollections}: names no collection has yet; the key covers them once they are created. */
    record KeyCreated(UUID id, String name, String key, List<String> collections, List<String> permissions,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> unknownCollections,
            @JsonInclude(JsonInclude.Include.NON_NULL) String warning) {
    }

    @Operation(summary = "Mint a key for some collections and permissions (administrator)")
    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    KeyCreated create(@Valid @RequestBody CreateKey request) {
        Set<Permission> permissions = new LinkedHashSet<>();
        request.permissions().forEach(p -> permissions.add(Permission.parse(p)));
        Set<String> collections = new LinkedHashSet<>(request.collections());
        List<String> invalid = collections.stream()
                .filter(c -> !c.equals(Caller.ALL_COLLECTIONS) && !Caller.COLLECTION_NAME.matcher(c).matches())
                .toList();
        if (!invalid.isEmpty()) {
            throw LoreException.badRequest("invalid-collection-name", "Invalid collection name",
                    "No collection can be named " + quoted(invalid) + ": a name is 1-63 characters of a-z, 0-9, "
                            + "'-' and '_', starting with a letter or digit (or '*' for all collections)");
        }
        List<String> unknown = keys.unknownCollections(collections);
        ApiKeys.MintedKey key = keys.mint(request.name().trim(), collections, permissions);
        return new KeyCreated(key.id(), key.name(), key.key(), List.copyOf(key.collections()),
                key.permissions().stream().map(Permission::wireName).sorted().toList(), unknown,
                unknown.isEmpty() ? null : "No collection is named " + quoted(unknown)
                        + " yet; this key will cover it once an administrator creates it");
    }

    private static String quoted(List<String> names) {
        return names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", "));
    }

    @Operation(summary = "List keys without their secrets (administrator)")
    @GetMapping
    List<ApiKeys.KeySummary> list(@RequestParam(defaultValue = "false") boolean revoked,
            @RequestParam(defaultValue = "100") @Min(1) @Max(1000) int limit,
            @RequestParam(defaultValue = "0") @Min(0) int offset) {
        return keys.list(revoked, limit, offset);
    }

    @Operation(summary = "Revoke a key (administrator)")
    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void revoke(@PathVariable UUID id) {
        keys.revoke(id);
    }
}
