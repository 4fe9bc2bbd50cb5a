package dev.lore.agents;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import dev.lore.support.Api;

/** Creating simulations and agents over HTTP for the agents' tests. */
public final class AgentsFixture {

    private AgentsFixture() {
    }

    static String simulation(Api api, String name, String startsAt, Map<String, Object> weights) {
        return simulation(api, name, startsAt, 10, weights);
    }

    public static String simulation(Api api, String name, String startsAt, int stepMinutes) {
        return simulation(api, name, startsAt, stepMinutes, null);
    }

    private static String simulation(Api api, String name, String startsAt, int stepMinutes,
            Map<String, Object> weights) {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("name", name, "startsAt", startsAt,
                "stepMinutes", stepMinutes));
        if (weights != null) {
            body.put("weights", weights);
        }
        Api.Response response = api.post("/api/v1/simulations", body);
        assertThat(response.status()).as(response.raw()).isEqualTo(201);
        return response.body().path("id").asString();
    }

    static String agent(Api api, String simulation, String name, List<String> memories) {
        Api.Response response = api.post("/api/v1/simulations/" + simulation + "/agents", Map.of("name", name,
                "traits", name + " is friendly and curious", "location", "Hobbs Cafe", "memories", memories));
        assertThat(response.status()).as(response.raw()).isEqualTo(201);
        return response.body().path("id").asString();
    }

    /** An agent with no memories yet, at {@code location}. */
    public static String agent(Api api, String simulation, String name, String location) {
        Api.Response response = api.post("/api/v1/simulations/" + simulation + "/agents", Map.of("name", name,
                "traits", name + " is friendly", "location", location));
        assertThat(response.status()).as(response.raw()).isEqualTo(201);
        return response.body().path("id").asString();
    }

    static String remember(Api api, String agent, String text, String at, double importance) {
        Api.Response response = api.post("/api/v1/agents/" + agent + "/memories",
                Map.of("text", text, "at", at, "importance", importance));
        assertThat(response.status()).as(response.raw()).isEqualTo(201);
        return response.body().path("id").asString();
    }
}
