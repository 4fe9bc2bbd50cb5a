package dev.lore.agents.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Reading a conversation line as small models write it, or as JSON; a model declining says nothing. */
class UtteranceReadingTests {

    @Test
    void speakerNamesQuotesAndPreamblesAreDropped() {
        assertThat(Conversations.utterance("Here's Alice's next line:\n\n**Alice:** \"Hi Bob, lovely day!\"",
                "Alice")).isEqualTo(new Conversations.Utterance("Hi Bob, lovely day!", false));
        assertThat(Conversations.utterance("Alice (smiling): See you later. [END]", "Alice"))
                .isEqualTo(new Conversations.Utterance("See you later.", true));
        assertThat(Conversations.utterance("{\"line\":\"Bye now\",\"end\":true}", "Alice"))
                .isEqualTo(new Conversations.Utterance("Bye now", true));
        assertThat(Conversations.utterance("I'm sorry, but I can't help with that request.", "Alice")).isNull();
        assertThat(Conversations.utterance("  \n", "Alice")).isNull();
    }
}
