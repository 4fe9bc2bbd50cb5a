package dev.lore.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A BEIR-format dataset: corpus.jsonl(.gz), queries.jsonl and qrels/&lt;split&gt;.tsv. */
public record BeirDataset(List<Doc> corpus, Map<String, String> queries, Map<String, Set<String>> qrels) {

    record Doc(String id, String title, String text) {
    }

    static BeirDataset load(Path dir, String split, JsonMapper json) throws IOException {
        Path corpusPath = Files.exists(dir.resolve("corpus.jsonl")) ? dir.resolve("corpus.jsonl")
                : dir.resolve("corpus.jsonl.gz");
        List<Doc> corpus = corpus(corpusPath, Integer.MAX_VALUE, json);
        Map<String, Set<String>> qrels = new LinkedHashMap<>();
        for (String line : lines(dir.resolve("qrels").resolve(split + ".tsv"))) {
            String[] parts = line.split("\t");
            if (parts.length < 3 || parts[0].equals("query-id") || Integer.parseInt(parts[2].trim()) <= 0) {
                continue;
            }
            qrels.computeIfAbsent(parts[0], q -> new HashSet<>()).add(parts[1]);
        }
        Map<String, String> queries = new LinkedHashMap<>();
        Map<String, String> all = new HashMap<>();
        for (String line : lines(dir.resolve("queries.jsonl"))) {
            JsonNode node = json.readTree(line);
            all.put(node.path("_id").asString(), node.path("text").asString());
        }
        qrels.keySet().forEach(id -> queries.put(id, all.get(id)));
        return new BeirDataset(corpus, queries, qrels);
    }

    /** The first {@code limit} passages of a corpus file as title and text, as the benchmarks embed them. */
    public static List<String> texts(Path corpus, int limit) throws IOException {
        return corpus(corpus, limit, JsonMapper.builder().build()).stream()
                .map(doc -> (doc.title() + "\n\n" + doc.text()).strip()).toList();
    }

    private static List<Doc> corpus(Path file, int limit, JsonMapper json) throws IOException {
        return lines(file).stream().limit(limit).map(json::readTree).map(node -> new Doc(node.path("_id").asString(),
                node.path("title").asString(""), node.path("text").asString(""))).toList();
    }

    private static List<String> lines(Path path) throws IOException {
        try (InputStream raw = Files.newInputStream(path);
                InputStream in = path.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return reader.lines().filter(l -> !l.isBlank()).toList();
        }
    }
}
