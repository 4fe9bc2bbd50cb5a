package dev.lore.documents;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * When and how each collection gets its HNSW index. Below {@code threshold} chunks a collection is searched exactly
 * (a scan of its vectors: complete recall, slower than the graph as the collection grows). At or above it the index is built
 * in bulk once the collection's ingestion backlog has drained, or at once when {@code maxDeferred} chunks wait
 * unindexed; afterwards new chunks join the index as they are stored. {@code m} and {@code efConstruction} are
 * pgvector's graph parameters; {@code maintenanceWorkMem} should hold the collection's graph (about 2 kB a chunk at
 * 384 dimensions), or pgvector finishes the build tuple by tuple, several times slower. Every {@code checkInterval}
 * the indexer also looks for work that other instances left (this instance's own loads wake it when they drain).
 * {@code candidates} is how many rows the first stage of a two-stage dense search ({@code binary},
 * {@code matryoshka:<dims>}) passes on to be re-scored, for collections that do not set their own: the smallest count
 * measured whose binary recall@10 over a million hard synthetic vectors passed 0.95 of exact search
 * (bench/dense-two-stage.sh), where 160 already kept SciFact's nDCG@10 (bench/two-stage-quality.sh); a collection's
 * own vectors may need more or fewer, which {@code POST .../dense-search/recall} measures; the README has the
 * numbers. {@code binaryM} is {@code m} for {@code binary}'s graph: its nodes are 48-byte bit vectors, so the neighbour
 * lists are most of its size, and halving them takes the graph under an eighth of {@code full}'s.
 * {@code binaryEfConstruction} is {@code ef_construction} for that graph: Hamming distances over bits tie often, and
 * a graph built with 64 lost a tenth of the recall its first stage could have (0.86 of exact from 640 candidates,
 * where an exact first stage kept all); 200 keeps nearly all of it, for a build still shorter than {@code full}'s
 * (bench/dense-two-stage.sh with BINARY_EF_CONSTRUCTION). Both apply to binary indexes built from then on.
 */
@ConfigurationProperties("lore.vector-index")
@Validated
public record VectorIndexProperties(
        @DefaultValue("5000") @Min(0) long threshold,
        @DefaultValue("100000") @Min(1) long maxDeferred,
        @DefaultValue("16") @Min(2) @Max(100) int m,
        @DefaultValue("64") @Min(4) @Max(1000) int efConstruction,
        @DefaultValue("512MB") DataSize maintenanceWorkMem,
        @DefaultValue("1") @Min(0) @Max(64) int buildWorkers,
        @DefaultValue("10s") Duration checkInterval,
        @DefaultValue("400") @Min(1) @Max(5000) int candidates,
        @DefaultValue("8") @Min(2) @Max(100) int binaryM,
        @DefaultValue("200") @Min(4) @Max(1000) int binaryEfConstruction) {

    public VectorIndexProperties {
        // pgvector refuses such a graph at every build; refused here, the mistake shows at start-up instead
        if (efConstruction < 2 * m) {
            throw new IllegalArgumentException("lore.vector-index.ef-construction (" + efConstruction
                    + ") must be at least twice lore.vector-index.m (" + m + "), as pgvector requires");
        }
        if (binaryEfConstruction < 2 * binaryM) {
            throw new IllegalArgumentException("lore.vector-index.binary-ef-construction (" + binaryEfConstruction
                    + ") must be at least twice lore.vector-index.binary-m (" + binaryM + "), as pgvector requires");
        }
    }
}
