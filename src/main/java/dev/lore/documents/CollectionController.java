package dev.lore.documents;

import java.net.URI;
import java.time.Instant;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

/**
 * Collections: create, list what the key may see, re-embed with this instance's model, rechunk, rebuild the lexical
 * indexes, delete.
 */
@RestController
@Tag(name = "Collections")
@RequestMapping("/api/v1/collections")
class CollectionController {

    private final Collections collections;
    private final Reembedding reembedding;
    private final Rechunking rechunking;

    CollectionController(Collections collections, Reembedding reembedding, Rechunking rechunking) {
        this.collections = collections;
        this.reembedding = reembedding;
        this.rechunking = rechunking;
    }

    /** {@code denseSearch} is optional: {@code full} unless it says otherwise. */
    record CreateCollection(@NotNull String name, @Size(max = 2000) String description,
            @Valid DenseSearchSetting denseSearch) {
    }

    /** {@code mode}: {@code full}, {@code binary} or {@code matryoshka:<dims>}; {@code candidates}: optional. */
    record DenseSearchSetting(String mode, Integer candidates) {
    }

    record CollectionCreated(String name, String description, Instant createdAt, String embedder, int dimension,
            Collections.DenseSearchView denseSearch) {
    }

    @Operation(summary = "Create a collection")
    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    CollectionCreated create(@Valid @RequestBody CreateCollection request) {
        DenseSearch denseSearch = request.denseSearch() == null ? DenseSearch.FULL
                : collections.checked(request.denseSearch().mode(), request.denseSearch().candidates());
        Collections.Created created = collections.create(request.name(), request.description(), denseSearch);
        return new CollectionCreated(created.name(), created.description(), created.createdAt(), created.embedder(),
                created.dimension(), created.denseSearch());
    }

    @Operation(summary = "Change how a collection's dense search runs: full, binary or matryoshka:<dims>, and N")
    @PutMapping("/{name}/dense-search")
    Collections.Summary denseSearch(@PathVariable String name, @RequestBody DenseSearchSetting setting) {
        return collections.changeDenseSearch(name, setting.mode(), setting.candidates());
    }

    @Operation(summary = "List the collections this key may see")
    @GetMapping
    List<Collections.Summary> list() {
        return collections.list();
    }

    /** Re-embeds every chunk with this instance's embedder and records it; a no-op when it is already the one. */
    @Operation(summary = "One collection: documents, chunks, embedder, vector index")
    @GetMapping("/{name}")
    Collections.Summary get(@PathVariable String name) {
        return collections.get(name);
    }

    @Operation(summary = "Re-embed a collection with this instance's embedder (a job)")
    @PostMapping("/{name}/reembed")
    ResponseEntity<Reembedding.Job> reembed(@PathVariable String name) {
        Reembedding.Job job = reembedding.start(name);
        return ResponseEntity.status(job.status().equals("DONE") ? HttpStatus.OK : HttpStatus.ACCEPTED)
                .location(URI.create("/api/v1/reembeddings/" + job.id())).body(job);
    }

    @Operation(summary = "Rebuild a collection's chunks with this instance's parser and chunker (a job)")
    @PostMapping("/{name}/rechunk")
    ResponseEntity<Rechunking.Job> rechunk(@PathVariable String name) {
        Rechunking.Job job = rechunking.start(name);
        return ResponseEntity.status(HttpStatus.ACCEPTED).location(URI.create("/api/v1/rechunkings/" + job.id()))
                .body(job);
    }

    @Operation(summary = "Rebuild a collection's lexical indexes (Lucene in each instance, or OpenSearch) from PostgreSQL",
            description = "For an index suspected of drifting, or to apply changed OpenSearch shard settings. 202: "
                    + "every instance's index rebuilds once; searches are answered by the old index or by SQL until "
                    + "the new one is in place; the collection's lexicalIndex says 'rebuilding' until then.")
    @PostMapping("/{name}/reindex")
    ResponseEntity<Collections.ReindexRequested> reindex(@PathVariable String name) {
        return ResponseEntity.status(HttpStatus.ACCEPTED).location(URI.create("/api/v1/collections/" + name))
                .body(collections.requestReindex(name));
    }

    @Operation(summary = "Delete a collection and everything in it (administrator)")
    @DeleteMapping("/{name}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(@PathVariable String name) {
        collections.delete(name);
    }
}
