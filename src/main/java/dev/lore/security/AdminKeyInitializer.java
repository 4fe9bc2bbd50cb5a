package dev.lore.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/** On the first start without {@code LORE_API_KEY}, mints an administrator key and prints it once. */
@Component
class AdminKeyInitializer implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(AdminKeyInitializer.class);

    private final SecurityProperties properties;
    private final ApiKeys keys;

    AdminKeyInitializer(SecurityProperties properties, ApiKeys keys) {
        this.properties = properties;
        this.keys = keys;
    }

    @Override
    public void run(ApplicationArguments args) {
        if (!properties.enabled()) {
            log.warn("API-key security is DISABLED (lore.security.enabled=false): every caller is an administrator");
            return;
        }
        if (properties.adminKey() != null && !properties.adminKey().isBlank()) {
            log.info("Administrator key taken from LORE_API_KEY");
            return;
        }
        if (keys.anyAdminKey()) {
            log.info("Administrator key already minted on an earlier start (set LORE_API_KEY to choose your own)");
            return;
        }
        ApiKeys.MintedKey admin = keys.mintAdmin("administrator");
        String banner = """

                ===================================================================
                 Lore minted an administrator API key. It is shown only this once:

                     %s

                 Use it as 'Authorization: Bearer <key>'. Set LORE_API_KEY to
                 choose your own instead.
                ===================================================================
                """.formatted(admin.key());
        System.out.println(banner);
        log.info("Minted the administrator key {} (its secret was printed once to standard output)", admin.id());
    }
}
