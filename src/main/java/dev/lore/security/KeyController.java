package dev.lore.security;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Size;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Administrators mint and revoke narrower keys. */
@RestController
@RequestMapping("/api/v1/keys")
class KeyController {

    private final ApiKeys keys;

    KeyController(ApiKeys keys) {
        this.keys = keys;
    }

    record CreateKey(@NotBlank @Size(max = 200) String name, @NotEmpty List<@NotBlank String> collections,
            @NotEmpty List<@NotBlank String> permissions) {
    }

    record KeyCreated(UUID id, String name, String key, List<String> collections, List<String> permissions) {
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    KeyCreated create(@Valid @RequestBody CreateKey request) {
        Set<Permission> permissions = new LinkedHashSet<>();
        request.permissions().forEach(p -> permissions.add(Permission.parse(p)));
        ApiKeys.MintedKey key = keys.mint(request.name().trim(), new LinkedHashSet<>(request.collections()),
                permissions);
        return new KeyCreated(key.id(), key.name(), key.key(), List.copyOf(key.collections()),
                key.permissions().stream().map(Permission::wireName).sorted().toList());
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void revoke(@PathVariable UUID id) {
        keys.revoke(id);
    }
}
