package dev.lore.agents.simulation;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of simulation steps and their schedules.
 *
 * @param instance this instance's name in step rows and the scheduler's table (empty: host name and process id)
 * @param maxStepsPerRequest the most steps one {@code POST .../step} may ask for (a simulated day at 10 minutes)
 * @param heartbeat how often a stepper confirms it still holds its simulation
 * @param staleAfter how long a stepper may go without a heartbeat before another instance takes the simulation over
 *        and resumes its unfinished step
 * @param minInterval the shortest time a schedule may leave between two ticks
 * @param pauseAfterFailures failed steps in a row after which a schedule pauses instead of burning model calls
 * @param conversationCooldown simulated minutes before the same two agents may start another conversation
 * @param decisionMemories memories an agent recalls when deciding whether to react to what it perceives
 * @param maxMeteredSimulations simulations with their own metric series at most, the least recently stepped dropped
 *        first: each series is a tag value, and an unbounded number of them would grow the registry without end
 */
@Validated
@ConfigurationProperties("lore.agents.simulation")
public record SimulationProperties(
        @DefaultValue("") String instance,
        @DefaultValue("144") @Min(1) @Max(10_000) int maxStepsPerRequest,
        @DefaultValue("2s") Duration heartbeat,
        @DefaultValue("10s") Duration staleAfter,
        @DefaultValue("1s") Duration minInterval,
        @DefaultValue("3") @Min(1) int pauseAfterFailures,
        @DefaultValue("60") @Min(0) int conversationCooldown,
        @DefaultValue("5") @Min(1) @Max(50) int decisionMemories,
        @DefaultValue("1000") @Min(1) int maxMeteredSimulations) {

    /** The name stored with every step and tick this instance runs. */
    public String instanceName() {
        if (!instance.isBlank()) {
            return instance.strip();
        }
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            }
            catch (java.net.UnknownHostException e) {
                host = "lore";
            }
        }
        return host + "/" + ProcessHandle.current().pid();
    }
}
