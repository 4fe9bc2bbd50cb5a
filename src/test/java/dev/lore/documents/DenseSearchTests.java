package dev.lore.documents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.lore.web.LoreException;

/** Reading and checking dense search settings, and the SQL each mode's index and search share. */
class DenseSearchTests {

    @Test
    void readsTheThreeModes() {
        assertThat(DenseSearch.parse("full", null)).isEqualTo(DenseSearch.FULL);
        assertThat(DenseSearch.parse(null, null)).isEqualTo(DenseSearch.FULL);
        assertThat(DenseSearch.parse(" Binary ", 200)).isEqualTo(new DenseSearch(DenseSearch.Mode.BINARY, 0, 200));
        assertThat(DenseSearch.parse("matryoshka:256", null).prefixDimensions()).isEqualTo(256);
        assertThat(DenseSearch.parse("matryoshka:256", null).text()).isEqualTo("matryoshka:256");
    }

    @Test
    void badSettingsAre400sNamingThem() {
        assertThatThrownBy(() -> DenseSearch.parse("hnsw", null)).isInstanceOfSatisfying(LoreException.class,
                bad -> {
                    assertThat(bad.status().value()).isEqualTo(400);
                    assertThat(bad.type()).isEqualTo("invalid-dense-search");
                }).hasMessageContaining("'hnsw'");
        assertThatThrownBy(() -> DenseSearch.parse("matryoshka:0", null)).hasMessageContaining("matryoshka:0");
        assertThatThrownBy(() -> DenseSearch.parse("matryoshka:", null)).isInstanceOf(LoreException.class);
        assertThatThrownBy(() -> DenseSearch.parse("binary", 0)).hasMessageContaining("between 1 and 5000");
        assertThatThrownBy(() -> DenseSearch.parse("binary", 5001)).hasMessageContaining("was 5001");
    }

    @Test
    void matryoshkaNeedsAMarkedModelAndAShorterPrefix() {
        DenseSearch prefix = DenseSearch.parse("matryoshka:512", null);
        assertThatThrownBy(() -> prefix.checkFor("all-minilm-l6-v2-q", 384, false))
                .hasMessageContaining("all-minilm-l6-v2-q is not marked");
        assertThatThrownBy(() -> prefix.checkFor("openai:text-embedding-3-small@384", 384, true))
                .hasMessageContaining("asks for 512 dimensions of openai:text-embedding-3-small@384's 384");
        assertThatThrownBy(() -> DenseSearch.parse("matryoshka:2048", null).checkFor("m", 3072, true))
                .hasMessageContaining("at most 2000");
        prefix.checkFor("openai:text-embedding-3-small", 1536, true);
        DenseSearch.parse("binary", null).checkFor("all-minilm-l6-v2-q", 384, false);
    }

    @Test
    void theIndexAndTheFirstStageShareTheirExpression() {
        assertThat(DenseSearch.FULL.indexExpression(384)).isEqualTo("(embedding::vector(384)) vector_cosine_ops");
        assertThat(DenseSearch.FULL.firstStageDistance("embedding", ":q", 384)).isEqualTo("embedding::vector(384) <=> :q");
        DenseSearch binary = DenseSearch.parse("binary", null);
        assertThat(binary.indexExpression(384)).isEqualTo("(binary_quantize(embedding)::bit(384)) bit_hamming_ops");
        assertThat(binary.firstStageDistance("embedding", ":q", 384))
                .isEqualTo("binary_quantize(embedding)::bit(384) <~> binary_quantize(:q)");
        DenseSearch prefix = DenseSearch.parse("matryoshka:64", null);
        assertThat(prefix.indexExpression(384)).isEqualTo("(subvector(embedding, 1, 64)::vector(64)) vector_cosine_ops");
        assertThat(prefix.firstStageDistance("embedding", ":q", 384))
                .isEqualTo("subvector(embedding, 1, 64)::vector(64) <=> subvector(:q, 1, 64)");
        // pgvector indexes vectors of at most 2,000 dimensions; bits go much further
        assertThat(DenseSearch.FULL.indexable(3072)).isFalse();
        assertThat(binary.indexable(3072)).isTrue();
        assertThat(binary.candidates(160, 50)).isEqualTo(160);
        assertThat(DenseSearch.parse("binary", 20).candidates(160, 50)).isEqualTo(50);
    }
}
