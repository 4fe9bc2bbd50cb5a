package dev.lore.agents.simulation;

import java.time.LocalTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.lore.models.backend.FakeHttpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A small town as an OpenAI-compatible model would play it, deterministic and counting: it reads which agent prompt
 * it is given (rating, day plan, hour blocks, actions, decision, conversation line, reflection) and answers in that
 * prompt's format. Agents spend the hours at a few places and meet at Hobbs Cafe every other hour; a decision talks
 * to the first person free to talk, or else changes plans to say hello in passing.
 * It can fail calls, or hold one call until released (to stop an instance in the middle of a step).
 */
final class TownModel implements Function<String, FakeHttpServer.Response> {

    static final String CHAT = "/v1/chat/completions";
    static final List<String> PLACES = List.of("Hobbs Cafe", "Library", "Town Square");

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern NUMBERED = Pattern.compile("^(\\d+)\\. ", Pattern.MULTILINE);
    private static final Pattern FROM_TO = Pattern.compile("From (\\d{2}):(\\d{2}) to (\\d{2}):(\\d{2})");
    private static final Pattern PEOPLE = Pattern.compile("could talk to here: (.*)");
    private static final Pattern NEXT_LINE = Pattern.compile("Write (.+?)'s next line to (.+?): ");

    /** One call held until released; {@code reached} counts down when it arrives. */
    record Hold(Predicate<String> when, CountDownLatch reached, CountDownLatch release) {
    }

    private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong completionTokens = new AtomicLong();
    private volatile Predicate<String> failing = prompt -> false;
    private volatile Hold hold;

    static FakeHttpServer serve(TownModel town) {
        FakeHttpServer server = new FakeHttpServer();
        server.on("/v1/models", FakeHttpServer.json(200, """
                {"object":"list","data":[{"id":"gpt-test","object":"model","created":1,"owned_by":"test"}]}"""));
        server.on(CHAT, FakeHttpServer.reading(town));
        return server;
    }

    /** Fails (HTTP 500) every call whose prompt matches, e.g. {@code prompt -> true}: the model is down. */
    void failing(Predicate<String> when) {
        this.failing = when;
    }

    /** Holds the first call whose prompt matches until {@code release} counts down. */
    Hold hold(Predicate<String> when) {
        Hold held = new Hold(when, new CountDownLatch(1), new CountDownLatch(1));
        this.hold = held;
        return held;
    }

    long calls(String kind) {
        AtomicLong count = calls.get(kind);
        return count == null ? 0 : count.get();
    }

    long calls() {
        return calls.values().stream().mapToLong(AtomicLong::get).sum();
    }

    Map<String, Long> callsByKind() {
        Map<String, Long> copy = new LinkedHashMap<>();
        calls.forEach((kind, count) -> copy.put(kind, count.get()));
        return copy;
    }

    long promptTokens() {
        return promptTokens.get();
    }

    long completionTokens() {
        return completionTokens.get();
    }

    @Override
    public FakeHttpServer.Response apply(String body) {
        JsonNode messages = JSON.readTree(body).path("messages");
        String prompt = messages.get(messages.size() - 1).path("content").asString();
        String kind = kind(prompt);
        calls.computeIfAbsent(kind, key -> new AtomicLong()).incrementAndGet();
        Hold held = hold;
        if (held != null && held.when().test(prompt)) {
            hold = null;
            held.reached().countDown();
            try {
                held.release().await(120, TimeUnit.SECONDS);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return FakeHttpServer.json(500, "{\"error\":{\"message\":\"held\"}}");
        }
        if (failing.test(prompt)) {
            return FakeHttpServer.json(500, "{\"error\":{\"message\":\"the town model is down\"}}");
        }
        String answer = answer(kind, prompt);
        long prompted = prompt.length() / 4;
        long completed = Math.max(1, answer.length() / 4);
        promptTokens.addAndGet(prompted);
        completionTokens.addAndGet(completed);
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        choice.put("message", Map.of("role", "assistant", "content", answer));
        choice.put("finish_reason", "stop");
        return FakeHttpServer.json(200, JSON.writeValueAsString(Map.of("id", "c", "object", "chat.completion",
                "created", 1, "model", "gpt-test", "choices", List.of(choice), "usage", Map.of("prompt_tokens",
                        prompted, "completion_tokens", completed, "total_tokens", prompted + completed))));
    }

    static String kind(String prompt) {
        if (prompt.startsWith("Rate how poignant")) {
            return "importance";
        }
        if (prompt.contains("Outline ") && prompt.contains("broad strokes")) {
            return "plan-day";
        }
        if (prompt.contains("Break the day into hour-long blocks")) {
            return "plan-hours";
        }
        if (prompt.contains("Break this into actions")) {
            return "plan-actions";
        }
        if (prompt.contains("keep to the plan, start a conversation")) {
            return "decide";
        }
        if (prompt.contains("next line to")) {
            return "converse";
        }
        if (prompt.contains("most salient high-level questions")) {
            return "reflect-questions";
        }
        if (prompt.contains("high-level insights")) {
            return "reflect-insights";
        }
        return "other";
    }

    /** The agent a prompt is about: prompts open with "{name}: {traits}". */
    static String agent(String prompt) {
        if (prompt.startsWith("Statements about ")) {
            return prompt.substring("Statements about ".length()).split("[,:]")[0].strip();
        }
        int colon = prompt.indexOf(':');
        return colon < 0 ? "" : prompt.substring(0, colon).strip();
    }

    static String place(String agent, int hour) {
        if (hour % 2 == 0) {
            return PLACES.get(0);
        }
        return PLACES.get(Math.floorMod(agent.hashCode() + hour, PLACES.size()));
    }

    static String answer(String kind, String prompt) {
        String agent = agent(prompt);
        switch (kind) {
            case "importance": {
                StringBuilder lines = new StringBuilder();
                Matcher numbered = NUMBERED.matcher(prompt);
                while (numbered.find()) {
                    int number = Integer.parseInt(numbered.group(1));
                    lines.append(number).append(": ").append(4 + number % 4).append('\n');
                }
                return lines.toString();
            }
            case "plan-day":
                return """
                        07:00 - wake up and get ready
                        08:00 - work on the morning's tasks
                        12:00 - have lunch with friends
                        13:00 - work on the afternoon's tasks
                        18:00 - go home and rest""";
            case "plan-hours": {
                StringBuilder lines = new StringBuilder();
                for (int hour = 7; hour <= 18; hour++) {
                    lines.append(String.format("%02d:00 | %s | %s%n", hour, hour == 12 ? "have lunch"
                            : "work on the tasks of hour " + hour, place(agent, hour)));
                }
                return lines.toString();
            }
            case "plan-actions": {
                Matcher range = FROM_TO.matcher(prompt);
                if (!range.find()) {
                    return "";
                }
                LocalTime from = LocalTime.of(Integer.parseInt(range.group(1)), Integer.parseInt(range.group(2)));
                LocalTime to = LocalTime.of(Integer.parseInt(range.group(3)), Integer.parseInt(range.group(4)));
                List<String> lines = new ArrayList<>();
                for (LocalTime time = from; time.isBefore(to) && lines.size() < 12; time = time.plusMinutes(15)) {
                    lines.add(time + " | 15 | step " + (lines.size() + 1) + " of the block");
                    if (time.plusMinutes(15).isBefore(time)) {
                        break;
                    }
                }
                return String.join("\n", lines);
            }
            case "decide": {
                Matcher people = PEOPLE.matcher(prompt);
                if (people.find() && !people.group(1).startsWith("(")) {
                    return "TALK " + people.group(1).split(",")[0].strip();
                }
                // someone new is here but nobody is free to talk: say hello in passing, which changes the plan
                return "REACT wave hello and carry on";
            }
            case "converse": {
                Matcher names = NEXT_LINE.matcher(prompt);
                String other = names.find() ? names.group(2) : "friend";
                int start = prompt.indexOf("The conversation so far:") + "The conversation so far:".length();
                String so = prompt.substring(start, prompt.indexOf("\n\nWrite ", start)).strip();
                int said = so.startsWith("(") ? 0 : so.split("\\R").length;
                return said >= 3 ? "Good talking to you, " + other + ". [END]"
                        : "Hi " + other + ", how is your day going?";
            }
            case "reflect-questions":
                return "What does " + agent + " care about?\nWho does " + agent + " see most?\nWhere does " + agent
                        + " spend the day?";
            case "reflect-insights":
                return agent + " enjoys the town (because of 1, 2)\n" + agent + " likes company (because of 3)";
            default:
                return "CONTINUE";
        }
    }
}
