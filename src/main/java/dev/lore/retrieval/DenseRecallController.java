package dev.lore.retrieval;

import java.util.List;

import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;

import dev.lore.web.Admitted;

/** {@code POST /api/v1/collections/{name}/dense-search/recall}: how much of exact search each N keeps. */
@RestController
@Tag(name = "Search")
class DenseRecallController {

    private final DenseRecall recall;

    DenseRecallController(DenseRecall recall) {
        this.recall = recall;
    }

    /** Every field is optional. */
    record RecallBody(@Schema(description = "full | binary | matryoshka:<dims>; the collection's own by default")
    String mode, @Schema(description = "first-stage sizes to measure; 20 to 1000 by doubling by default")
    List<Integer> candidates, @Schema(description = "chunks sampled as queries, 20 by default (at most 200)")
    Integer queries, Integer topK, @Schema(description = "recall that N must reach to be suggested, 0.95 by default")
    Double target) {
    }

    @Operation(summary = "Measure a collection's dense search against exact search for several first-stage sizes N")
    @Admitted
    @PostMapping("/api/v1/collections/{name}/dense-search/recall")
    DenseRecall.Report recall(@PathVariable String name, @RequestBody(required = false) RecallBody body) {
        RecallBody request = body == null ? new RecallBody(null, null, null, null, null) : body;
        return recall.measure(name, request.mode(), request.candidates(), request.queries(), request.topK(),
                request.target());
    }
}
