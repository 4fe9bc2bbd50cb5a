package dev.lore.agents;

import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.Temporal;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

import org.springframework.stereotype.Component;

import dev.lore.security.Caller;
import dev.lore.security.CurrentCaller;
import dev.lore.security.Permission;
import dev.lore.web.LoreException;

/**
 * Finds the simulation or agent a request names, as the caller may see it: a simulation (with its agents, memories,
 * steps and schedule) belongs to the key that created it, and administrators see every one. A key without the
 * {@code agents} permission, or another key's simulation, gets the same 404 as an id that does not exist.
 */
@Component
public class AgentsAccess {

    /** The longest text a memory, question or reaction may have. */
    public static final int MAX_TEXT = AgentController.MAX_TEXT;


    private final CurrentCaller callers;
    private final Simulations simulations;
    private final Agents agents;

    AgentsAccess(CurrentCaller callers, Simulations simulations, Agents agents) {
        this.callers = callers;
        this.simulations = simulations;
        this.agents = agents;
    }

    public boolean permitted() {
        Caller caller = callers.get();
        return caller.admin() || caller.permissions().contains(Permission.AGENTS);
    }

    /**
     * For creating a simulation: the key that will own it. Without the permission the endpoint answers as if it were
     * not there.
     */
    public String creator() {
        requirePermission();
        return callers.get().keyId();
    }

    /** A page of the simulations the caller may see, newest first: its own, or every one for an administrator. */
    public List<Simulations.Simulation> simulations(int limit, int offset) {
        requirePermission();
        Caller caller = callers.get();
        return caller.admin() ? simulations.list(limit, offset) : simulations.list(caller.keyId(), limit, offset);
    }

    private void requirePermission() {
        if (!permitted()) {
            throw LoreException.notFound("not-found", "Not Found", "Nothing at /api/v1/simulations for this key");
        }
    }

    public Simulations.Simulation simulation(String id) {
        UUID uuid = uuid(id);
        if (uuid == null || !permitted()) {
            throw SimulationNotFound.withId(id);
        }
        Caller caller = callers.get();
        return (caller.admin() ? simulations.find(uuid) : simulations.find(uuid, caller.keyId()))
                .orElseThrow(() -> SimulationNotFound.withId(id));
    }

    public Agents.Found agent(String id) {
        UUID uuid = uuid(id);
        if (uuid == null || !permitted()) {
            throw AgentNotFound.withId(id);
        }
        Caller caller = callers.get();
        return (caller.admin() ? agents.find(uuid) : agents.find(uuid, caller.keyId()))
                .orElseThrow(() -> AgentNotFound.withId(id));
    }

    /** A request's text field, stripped: too long or (when required) empty is a 400 naming the field. */
    public static String text(String field, String value, int max, boolean required) {
        if (value == null || value.isBlank()) {
            if (required) {
                throw LoreException.invalid(field + " must not be empty");
            }
            return "";
        }
        if (value.length() > max) {
            throw LoreException.invalid(field + " is " + value.length() + " characters long; at most " + max);
        }
        return value.strip();
    }

    /**
     * How far past its simulation's clock a request may place an agent's memory, retrieval or question: a client
     * driving an agent by hand may act within the coming day, but not further, so that a retrieval cannot mark
     * memories accessed in a future the clock has not reached (their recency would stay 1 until it does).
     */
    public static final Duration MAX_AHEAD = Duration.ofDays(1);

    /**
     * Simulation time from a request: an ISO local date-time such as {@code 2026-02-13T08:10:00}, in years 1 to 9999
     * (PostgreSQL keeps times far outside them as infinity or not at all), and, with a {@code clock}, at most
     * {@link #MAX_AHEAD} past it; absent, the {@code clock}.
     */
    public static LocalDateTime time(String field, String value, LocalDateTime clock) {
        if (value == null) {
            return clock;
        }
        LocalDateTime time = parse(field, value, LocalDateTime::parse, "date-time such as 2026-02-13T08:10:00");
        if (clock != null && time.isAfter(clock.plus(MAX_AHEAD))) {
            throw LoreException.badRequest("time-ahead-of-clock", "Time ahead of the simulation", field + " "
                    + value + " is more than a day past the simulation's clock (" + clock + "): an agent remembers"
                    + " and recalls up to " + clock.plus(MAX_AHEAD) + "; step the simulation to go further");
        }
        return time;
    }

    /** A simulation day from a request: an ISO date such as {@code 2026-02-13}, in years 1 to 9999. */
    public static LocalDate day(String field, String value, LocalDate fallback) {
        if (value == null) {
            return fallback;
        }
        return parse(field, value, LocalDate::parse, "date such as 2026-02-13");
    }

    /** {@code value} parsed as an ISO {@code what}, in years 1 to 9999: else a 400 naming the field. */
    private static <T extends Temporal> T parse(String field, String value, Function<String, T> parser, String what) {
        T parsed;
        try {
            parsed = parser.apply(value.strip());
        }
        catch (DateTimeParseException e) {
            throw LoreException.invalid(field + " must be an ISO " + what + ", was '" + value + "'");
        }
        int year = parsed.get(ChronoField.YEAR);
        if (year < 1 || year > 9999) {
            throw LoreException.badRequest("time-out-of-range", "Time out of range", field + " " + value
                    + " is outside the years 1 to 9999 that simulations keep");
        }
        return parsed;
    }

    private static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        }
        catch (IllegalArgumentException e) {
            return null;
        }
    }
}
