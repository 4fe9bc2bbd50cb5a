package dev.lore.jobs;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * One background thread that runs a task when woken. Wakes that arrive while a run is still waiting to start merge
 * into it, so a burst of events (uploads, polls) costs one run, and a wake during a run schedules exactly one more.
 */
public final class CoalescingWorker {

    private final ExecutorService executor;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final Runnable task;

    public CoalescingWorker(String threadNamePrefix, Runnable task) {
        this.executor = Executors.newSingleThreadExecutor(new CustomizableThreadFactory(threadNamePrefix));
        this.task = task;
    }

    public void wake() {
        if (pending.compareAndSet(false, true) && !executor.isShutdown()) {
            executor.execute(() -> {
                pending.set(false);
                task.run();
            });
        }
    }

    public boolean stopping() {
        return executor.isShutdown();
    }

    /** Lets a running task finish for up to 30 seconds, then interrupts it. */
    public void stop() throws InterruptedException {
        stop(executor);
    }

    /** Shuts an executor down, letting its running task finish for up to 30 seconds before interrupting it. */
    public static void stop(ExecutorService executor) throws InterruptedException {
        executor.shutdown();
        if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
            executor.shutdownNow();
        }
    }
}
