package dev.lore.models.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;

import dev.lore.models.Completion;
import dev.lore.models.Generation;
import dev.lore.models.Usage;

/** Gives {@code n} completions from a backend without {@code n}: one call each, run concurrently, merged in order. */
public final class ParallelGenerations {

    private static final ExecutorService CALLS = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "lore-model-n");
        thread.setDaemon(true);
        return thread;
    });

    private ParallelGenerations() {
    }

    /** Runs {@code call(0)} to {@code call(n - 1)}; the first failure is thrown as it was. */
    public static Generation of(int n, IntFunction<Generation> call) {
        if (n == 1) {
            return call.apply(0);
        }
        List<CompletableFuture<Generation>> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int index = i;
            calls.add(CompletableFuture.supplyAsync(() -> call.apply(index), CALLS));
        }
        List<Completion> completions = new ArrayList<>();
        Usage usage = Usage.NONE;
        String model = null;
        try {
            for (CompletableFuture<Generation> each : calls) {
                Generation generation = each.join();
                completions.addAll(generation.completions());
                usage = usage.plus(generation.usage());
                model = model == null ? generation.model() : model;
            }
        }
        catch (CompletionException failed) {
            calls.forEach(each -> each.cancel(true));
            if (failed.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw failed;
        }
        return new Generation(model, completions, usage);
    }
}
