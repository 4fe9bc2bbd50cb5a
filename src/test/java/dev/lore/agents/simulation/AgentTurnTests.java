package dev.lore.agents.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.lore.agents.Agent;

/** What an agent perceives, what is new to it, and how its decision is read. */
class AgentTurnTests {

    private final AgentTurn.Presence alice = presence("Alice", "Hobbs Cafe", null);
    private final AgentTurn.Presence bob = presence("Bob", "hobbs cafe", "making coffee");
    private final AgentTurn.Presence carol = presence("Carol", "Library", "reading");

    @Test
    void anAgentPerceivesTheOthersAtItsPlaceOnly() {
        assertThat(AgentTurn.perceptions(alice, List.of(alice, bob, carol)).values())
                .containsExactly("Bob is at hobbs cafe: making coffee");
        assertThat(AgentTurn.perceptions(carol, List.of(alice, bob, carol))).isEmpty();
        assertThat(AgentTurn.perceptions(presence("Nowhere", "", null), List.of(alice, bob))).isEmpty();
    }

    @Test
    void someoneStillThereIsNothingNewEvenWhenDoingSomethingElse() {
        String seenBefore = AgentTurn.perceptions(alice, List.of(bob)).keySet().iterator().next();
        AgentTurn.Member member = new AgentTurn.Member(new Agent(alice.agentId(), UUID.randomUUID(), "Alice", "",
                "Hobbs Cafe"), null, null, new LinkedHashSet<>(Set.of(seenBefore)));
        AgentTurn.Presence bobLater = new AgentTurn.Presence(bob.agentId(), "Bob", "Hobbs Cafe", "washing cups");

        assertThat(AgentTurn.fresh(member, alice, List.of(alice, bobLater))).isEmpty();
        assertThat(AgentTurn.fresh(member, alice, List.of(alice, bobLater, presence("Dan", "Hobbs Cafe", null))))
                .containsExactly("Dan is at Hobbs Cafe");
    }

    @Test
    void decisionsAreReadLeniently() {
        List<String> people = List.of("Bob", "Carol Smith");
        assertThat(AgentTurn.parse("CONTINUE", people)).isEqualTo(AgentTurn.Decision.CONTINUE);
        assertThat(AgentTurn.parse("Thinking...\nTALK to Bob", people))
                .isEqualTo(new AgentTurn.Decision(AgentTurn.Choice.TALK, "Bob"));
        assertThat(AgentTurn.parse("**TALK carol smith about the party**", people))
                .isEqualTo(new AgentTurn.Decision(AgentTurn.Choice.TALK, "Carol Smith"));
        assertThat(AgentTurn.parse("REACT: go home to fetch an umbrella.", people))
                .isEqualTo(new AgentTurn.Decision(AgentTurn.Choice.REACT, "go home to fetch an umbrella"));
        assertThat(AgentTurn.parse("TALK Zed", people)).as("nobody by that name here")
                .isEqualTo(AgentTurn.Decision.CONTINUE);
        assertThat(AgentTurn.parse("REACT", people)).isEqualTo(AgentTurn.Decision.CONTINUE);
        assertThat(AgentTurn.parse("I think she should keep going", people)).as("unreadable: asked again")
                .isNull();
        assertThat(AgentTurn.parse("I'm sorry, but I can't help with that request.", people)).isNull();
        assertThat(AgentTurn.parse("Sure! Here's my answer:\n\n- **Decision:** TALK to Bob", people))
                .isEqualTo(new AgentTurn.Decision(AgentTurn.Choice.TALK, "Bob"));
        assertThat(AgentTurn.parse("{\"decision\":\"TALK\",\"argument\":\"Carol Smith\"}", people))
                .isEqualTo(new AgentTurn.Decision(AgentTurn.Choice.TALK, "Carol Smith"));
        assertThat(AgentTurn.parse("{\"decision\":\"REACT\",\"argument\":\"open an umbrella\"}", people))
                .isEqualTo(new AgentTurn.Decision(AgentTurn.Choice.REACT, "open an umbrella"));
        assertThat(AgentTurn.parse("{\"decision\":\"CONTINUE\",\"argument\":\"\"}", people))
                .isEqualTo(AgentTurn.Decision.CONTINUE);
    }

    private static AgentTurn.Presence presence(String name, String location, String action) {
        return new AgentTurn.Presence(UUID.nameUUIDFromBytes(name.getBytes()), name, location, action);
    }
}
